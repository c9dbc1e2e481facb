/** Small statistics over rounds: medians and ratios, which survive a noisy machine better than means. */

export function median(values: readonly number[]): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** a / b, or NaN when b is 0 (so a table shows "n/a" rather than Infinity). */
export function ratio(a: number, b: number): number {
	return b === 0 ? Number.NaN : a / b;
}

export function round(value: number, digits = 2): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}
