/**
 * One clock for every thread of the load generator: the monotonic clock in
 * microseconds. A sender stamps a message with it and a receiver in another
 * worker thread reads the same clock, so their difference is a latency.
 */

/** Microseconds on the process's monotonic clock (shared by all its threads). */
export function nowUs(): number {
	const [s, ns] = process.hrtime();
	return s * 1e6 + ns / 1e3;
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
