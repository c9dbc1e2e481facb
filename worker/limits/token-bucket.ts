/**
 * A token bucket computed from timestamps alone: no timers, so a limited
 * client never keeps the Durable Object awake.
 */
export interface Bucket {
	/** May be negative: a debt, from `charge`, that is paid back before anything else passes. */
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
	refill(bucket, rate, now);
	if (bucket.tokens >= 1) {
		bucket.tokens -= 1;
		return 0;
	}
	return waitForToken(bucket, rate);
}

/**
 * Whether a token is there, without taking it: 0 when one is, otherwise the
 * ms to wait. A frame counted by several buckets asks each first, so that a
 * refusal by one takes nothing from the others.
 * @example waitFor(bucket, { burst: 10, perSecond: 2 }, Date.now()) // 0
 */
export function waitFor(bucket: Bucket, rate: Rate, now: number): number {
	refill(bucket, rate, now);
	return bucket.tokens >= 1 ? 0 : waitForToken(bucket, rate);
}

/**
 * Spends `count` tokens for frames that were already let through elsewhere
 * (they cannot be refused any more), so the bucket may go into debt: that is
 * how an overshoot is paid back. Returns the ms until a token is there again,
 * 0 when one is. `count` 0 only reads the bucket.
 * @example charge(bucket, { burst: 2, perSecond: 1 }, now, 5) // 4000: 2 - 5 = -3, four seconds to reach 1
 */
export function charge(bucket: Bucket, rate: Rate, now: number, count: number): number {
	refill(bucket, rate, now);
	bucket.tokens -= count;
	return bucket.tokens >= 1 ? 0 : waitForToken(bucket, rate);
}

export function fullBucket(rate: Rate, now: number): Bucket {
	return { tokens: rate.burst, at: now };
}

function refill(bucket: Bucket, rate: Rate, now: number): void {
	const elapsed = Math.max(0, now - bucket.at) / 1000;
	bucket.tokens = Math.min(rate.burst, bucket.tokens + elapsed * rate.perSecond);
	// A clock that steps back never mints tokens and never moves `at` backwards.
	bucket.at = Math.max(bucket.at, now);
}

function waitForToken(bucket: Bucket, rate: Rate): number {
	return Math.ceil(((1 - bucket.tokens) / rate.perSecond) * 1000);
}
