/**
 * Admission: whether a room lets a client's frame through. Every frame,
 * valid or not, is counted per connection and per address: in this room at
 * once, and across rooms through the address's RateLimiter, which the room
 * charges off the message path with credit (see rate-limiter.ts). Over the
 * limit the client is told when to retry; one that keeps going is closed.
 */
import type { RoomConfig } from "../config";
import type { Grant } from "./rate-limiter";
import { type Bucket, fullBucket, take } from "./token-bucket";

/** What the room does with a frame. */
export type Verdict = { ok: true } | { ok: false; retryAfterMs: number } | { ok: false; close: true };

/** The address's RateLimiter, as a room reaches it. */
export type ChargeAddress = (ip: string, used: number, want: number) => Promise<Grant>;

/** A client address as this room sees it: its own bucket here, and what its RateLimiter said. */
interface Address {
	/** The address's frames in this room: counted at once, exactly. */
	bucket: Bucket;
	/** Tokens the address's RateLimiter, which counts all rooms, granted this room in advance. */
	credit: number;
	/** Until when the RateLimiter says the address is over its limit. */
	blockedUntil: number;
	/** Frames let through here without credit, not yet charged to the RateLimiter. */
	unreported: number;
	/** Whether a call to the RateLimiter is in flight. */
	reporting: boolean;
	/** Credit to ask for: doubles while the address keeps running out of it, 0 once it slows down. */
	ask: number;
	/** When the last call to the RateLimiter went out, ms. */
	askedAt: number;
}

/** Credit is asked for up to this share of the address's burst, so that a room holds little of it. */
const CREDIT_SHARE = 1 / 10;
/** An address that runs out of credit sooner than this after the last call is sending fast. */
const FAST_MS = 1000;

export class Admission {
	readonly #connections = new Map<WebSocket, Bucket & { strikes: number }>();
	readonly #addresses = new Map<string, Address>();

	constructor(
		private readonly config: Pick<RoomConfig, "connectionRate" | "ipRate" | "strikesToClose">,
		private readonly chargeAddress: ChargeAddress,
		private readonly background: (work: Promise<void>) => void,
	) {}

	/**
	 * Counts one frame from `ws` at `ip`.
	 * @example admission.admit(ws, "203.0.113.7") // { ok: true }
	 */
	admit(ws: WebSocket, ip: string, now = Date.now()): Verdict {
		const { connectionRate, ipRate } = this.config;
		let bucket = this.#connections.get(ws);
		if (!bucket) {
			bucket = { ...fullBucket(connectionRate, now), strikes: 0 };
			this.#connections.set(ws, bucket);
		}
		let address = this.#addresses.get(ip);
		if (!address) {
			address = {
				bucket: fullBucket(ipRate, now),
				credit: 0,
				blockedUntil: 0,
				unreported: 0,
				reporting: false,
				ask: 0,
				askedAt: 0,
			};
			this.#addresses.set(ip, address);
		}
		const wait = Math.max(
			take(bucket, connectionRate, now),
			take(address.bucket, ipRate, now),
			address.blockedUntil - now,
		);
		if (wait === 0) {
			bucket.strikes = 0;
			if (address.credit >= 1) {
				address.credit -= 1;
			} else {
				address.unreported += 1;
				if (!address.reporting) this.background(this.#report(ip, address));
			}
			return { ok: true };
		}
		bucket.strikes += 1;
		if (bucket.strikes >= this.config.strikesToClose) return { ok: false, close: true };
		return { ok: false, retryAfterMs: wait };
	}

	/** Drops what was counted for a socket that is gone. */
	forget(ws: WebSocket): void {
		this.#connections.delete(ws);
	}

	/**
	 * Charges the frames an address sent here without credit to its
	 * RateLimiter, off the message path so that no frame waits for it: one
	 * call in flight per address, and frames let through meanwhile are paid
	 * from new credit or go in the next call. Credit is asked for only while
	 * the address sends fast, so a room seldom holds tokens it will not use;
	 * then the calls become rarer as the credit doubles.
	 */
	async #report(ip: string, address: Address): Promise<void> {
		address.reporting = true;
		const most = Math.max(1, Math.ceil(this.config.ipRate.burst * CREDIT_SHARE));
		while (address.unreported > 0) {
			const used = address.unreported;
			address.unreported = 0;
			const now = Date.now();
			address.ask = now - address.askedAt < FAST_MS ? Math.min(most, Math.max(1, address.ask * 2)) : 0;
			address.askedAt = now;
			try {
				const { granted, wait } = await this.chargeAddress(ip, used, address.ask);
				const paid = Math.min(granted, address.unreported);
				address.unreported -= paid;
				address.credit += granted - paid;
				address.blockedUntil = granted > 0 ? 0 : Date.now() + wait;
			} catch {
				// The limiter is unreachable: fail open, this room's own limits still hold.
			}
		}
		address.reporting = false;
	}
}
