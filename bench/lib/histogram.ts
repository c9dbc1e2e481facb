/**
 * Latency histograms (HdrHistogram, microseconds, 3 significant digits):
 * cheap to record into on the hot path, mergeable across worker threads and
 * rounds through their compressed encoding.
 */
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

/** Up to 60 s; a later delivery than that is a loss for our purposes anyway. */
const HIGHEST_US = 60_000_000;

export function newHistogram(): Histogram {
	return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

export function recordUs(h: Histogram, us: number): void {
	h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(us))));
}

export function encode(h: Histogram): string {
	return hdr.encodeIntoCompressedBase64(h);
}

/** Adds encoded histograms into one new histogram. */
export function merge(encoded: readonly string[]): Histogram {
	const total = newHistogram();
	for (const e of encoded) total.add(hdr.decodeFromCompressedBase64(e));
	return total;
}

export interface Percentiles {
	count: number;
	p50Ms: number;
	p99Ms: number;
	maxMs: number;
}

export function percentiles(h: Histogram): Percentiles {
	const ms = (us: number) => Math.round(us) / 1000;
	return {
		count: h.totalCount,
		p50Ms: ms(h.getValueAtPercentile(50)),
		p99Ms: ms(h.getValueAtPercentile(99)),
		maxMs: ms(h.maxValue),
	};
}
