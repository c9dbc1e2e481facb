/**
 * Seeded randomness, so that a run's schedule (who sends when, which
 * socket drops, when the server is killed) replays from its seed. Each
 * consumer forks its own stream by a label: adding a draw to one does not
 * move the others.
 */

export class Random {
	#state: number;
	readonly #seed: number;

	constructor(seed: number) {
		this.#seed = seed >>> 0;
		this.#state = this.#seed;
	}

	/** Uniform in [0, 1): mulberry32, small and good enough for a schedule. */
	next(): number {
		this.#state = (this.#state + 0x6d2b79f5) >>> 0;
		let t = this.#state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
	}

	/** Uniform in [min, max). */
	between(min: number, max: number): number {
		return min + (max - min) * this.next();
	}

	/** A whole number in [0, n). */
	below(n: number): number {
		return Math.floor(this.next() * n);
	}

	/** An independent stream for `label`, derived from this one's seed and the label only. */
	fork(label: string): Random {
		let h = this.#seed ^ 0x9e3779b9;
		for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
		return new Random(h >>> 0);
	}
}
