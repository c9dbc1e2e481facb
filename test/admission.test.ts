/**
 * Admission, driven frame by frame on a clock of its own (the class takes
 * `now`), so that seconds of traffic at a given pace are exact and take no
 * time: fairness between the sockets behind one address, what it keeps per
 * address, and how often it calls the address's RateLimiter.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { roomConfig } from "../worker/config";
import { Admission } from "../worker/limits/admission";
import type { Grant } from "../worker/limits/rate-limiter";
import { type Bucket, charge, fullBucket } from "../worker/limits/token-bucket";

const config = roomConfig(env);

/** A socket, as far as admission cares: a key. */
const socket = () => ({}) as WebSocket;

/**
 * An Admission whose RateLimiter is the same bucket arithmetic, in memory,
 * on the test's clock; it records every call.
 */
function harness() {
	let now = 0;
	const calls: { used: number; want: number }[] = [];
	const work: Promise<void>[] = [];
	let limiter: Bucket | undefined;
	const admission = new Admission(
		config,
		async (_ip, used, want): Promise<Grant> => {
			calls.push({ used, want });
			limiter ??= fullBucket(config.ipRate, now);
			const wait = charge(limiter, config.ipRate, now, used);
			if (wait > 0) return { granted: 0, wait };
			const granted = Math.min(want, Math.floor(limiter.tokens));
			limiter.tokens -= granted;
			return { granted, wait: 0 };
		},
		(w) => work.push(w),
		() => now,
	);
	return {
		admission,
		calls,
		at: (t: number) => {
			now = t;
		},
		/** Lets the background calls to the RateLimiter finish, as they would between frames. */
		settle: () => Promise.all(work.splice(0)),
	};
}

describe("admission", () => {
	it("never lets a socket flooding at 30 frames/s for 10 s get a polite neighbour on its address refused", async () => {
		const { admission, at, settle } = harness();
		const ip = "203.0.113.9";
		const [flooder, neighbour] = [socket(), socket()];
		let flooderPassed = 0;
		const neighbourRefused: number[] = [];
		// Every 1/30 s the flooder sends; once a second, the neighbour says something.
		for (let tick = 0; tick < 300; tick++) {
			const t = Math.round((tick * 1000) / 30);
			at(t);
			if (admission.admit(flooder, ip, t).ok) flooderPassed += 1;
			if (tick % 30 === 15) {
				const verdict = admission.admit(neighbour, ip, t);
				if (!verdict.ok) neighbourRefused.push(t);
			}
			await settle();
		}
		expect(neighbourRefused).toEqual([]);
		// The flooder got its own connection's budget and no more: its burst, then its steady rate.
		const { burst, perSecond } = config.connectionRate;
		expect(flooderPassed).toBeLessThanOrEqual(burst + perSecond * 10 + 1);
		expect(flooderPassed).toBeGreaterThanOrEqual(burst + perSecond * 9);
	});

	it("keeps state for an address only while it has a socket here", () => {
		const { admission } = harness();
		const [a, b, c] = [socket(), socket(), socket()];
		admission.admit(a, "198.51.100.1");
		admission.admit(b, "198.51.100.1");
		admission.admit(c, "198.51.100.2");
		expect(admission.addresses).toBe(2);
		admission.forget(a);
		expect(admission.addresses).toBe(2);
		admission.forget(b);
		admission.forget(c);
		expect(admission.addresses).toBe(0);
	});

	it("charges a person chatting to the RateLimiter a batch at a time, not with a call per message", async () => {
		const { admission, calls, at, settle } = harness();
		const ws = socket();
		// A message every three seconds for five minutes.
		const frames = 100;
		for (let i = 0; i < frames; i++) {
			at(i * 3000);
			expect(admission.admit(ws, "192.0.2.44", i * 3000).ok).toBe(true);
			await settle();
		}
		expect(calls.length).toBeLessThanOrEqual(Math.ceil(frames / Math.ceil(config.ipRate.burst / 10)));
		// No credit is held for a slow sender; and when its socket goes, what it sent is charged in full.
		expect(calls.every((c) => c.want === 0)).toBe(true);
		admission.forget(ws);
		await settle();
		expect(calls.reduce((sum, c) => sum + c.used, 0)).toBe(frames);
	});

	it("refuses an address that is over its limit in other rooms after one batch at most", async () => {
		const work: Promise<void>[] = [];
		// The address has spent its whole budget elsewhere: its RateLimiter grants nothing.
		const admission = new Admission(
			config,
			async () => ({ granted: 0, wait: 5000 }),
			(w) => work.push(w),
			() => 0,
		);
		const ws = socket();
		let passed = 0;
		for (let i = 0; i < config.connectionRate.burst; i++) {
			if (admission.admit(ws, "192.0.2.45", 0).ok) passed += 1;
			await Promise.all(work.splice(0));
		}
		expect(passed).toBe(Math.ceil(config.ipRate.burst / 10));
	});
});
