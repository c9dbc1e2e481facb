/**
 * A token bucket computed from timestamps alone: no timers, so a limited
 * client never keeps the Durable Object awake.
 */
export interface Bucket {
	tokens: number;
	/** When `tokens` was last computed, ms. */
	at: number;
}

export interface Rate {
	/** Tokens a full bucket holds: the burst allowed at once. */
	burst: number;
	/** Tokens added per second: the steady rate. */
	perSecond: number;
}

/**
 * Takes one token if there is one. Returns 0 when taken, otherwise the ms to
 * wait until a token is there.
 * @example take(bucket, { burst: 10, perSecond: 2 }, Date.now()) // 0
 */
export function take(bucket: Bucket, rate: Rate, now: number): number {
	const elapsed = Math.max(0, now - bucket.at) / 1000;
	bucket.tokens = Math.min(rate.burst, bucket.tokens + elapsed * rate.perSecond);
	bucket.at = now;
	if (bucket.tokens >= 1) {
		bucket.tokens -= 1;
		return 0;
	}
	return Math.ceil(((1 - bucket.tokens) / rate.perSecond) * 1000);
}

export function fullBucket(rate: Rate, now: number): Bucket {
	return { tokens: rate.burst, at: now };
}
