/**
 * How big a soak is: the full drill (10 minutes, a kill a minute) or the
 * 60-second smoke CI runs (same code, one kill). Every number that shapes the
 * run is here, and every random draw comes from `seed`, so a run replays.
 */

export interface SoakOptions {
	smoke: boolean;
	/** How long the clients chat (the kills and drops happen in this time); the settle comes after. */
	durationMs: number;
	clients: number;
	rooms: number;
	seed: number;
	/** One SIGKILL of the server per this much time, in the middle of each period (± 5 s). */
	killEveryMs: number;
	/** Socket drops, on average one per this much time over all clients; at most durationMs / 1000 of them. */
	dropEveryMs: number;
	/** How long a dropped client stays away before its reconnect loop starts: up to this (past the leave grace sometimes). */
	awayMaxMs: number;
	/** Each client writes a message every [min, max) ms. */
	writeGapMs: [number, number];
	/** The most the settle may take before what is still missing is reported as lost. */
	settleMaxMs: number;
	/** Build the client first (`vite build`); off with --no-build, when dist/client is current. */
	build: boolean;
}

export function parseSoakOptions(argv: readonly string[]): SoakOptions {
	const smoke = argv.includes("--smoke");
	const seconds = number(argv, "--duration") ?? (number(argv, "--minutes") ?? (smoke ? 1 : 10)) * 60;
	const options: SoakOptions = {
		smoke,
		durationMs: seconds * 1000,
		clients: number(argv, "--clients") ?? 50,
		rooms: number(argv, "--rooms") ?? 5,
		seed: number(argv, "--seed") ?? 19,
		killEveryMs: (number(argv, "--kill-every") ?? 60) * 1000,
		dropEveryMs: 2000,
		awayMaxMs: 25_000,
		writeGapMs: [2000, 6000],
		settleMaxMs: 120_000,
		build: !argv.includes("--no-build"),
	};
	if (options.clients < options.rooms || options.rooms < 1) throw new Error("need at least one client per room");
	if (options.durationMs < 10_000 || options.durationMs > 3 * 3600_000) throw new Error("--duration: 10 s to 3 h");
	return options;
}

function number(argv: readonly string[], flag: string): number | undefined {
	const i = argv.indexOf(flag);
	if (i < 0) return undefined;
	const value = Number(argv[i + 1]);
	if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number`);
	return value;
}
