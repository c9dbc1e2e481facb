/**
 * Admission: whether a room lets a client's frame through. Every frame,
 * valid or not, is counted per connection and per address: in this room at
 * once, and across rooms through the address's RateLimiter, which the room
 * charges off the message path, in batches or with credit (see
 * rate-limiter.ts). A frame passes only when every bucket that counts it
 * has a token, and only then are tokens taken: a socket that floods spends
 * its own budget, never its neighbours'. Over the limit the client is told
 * when to retry; one that keeps going is closed.
 */
import type { RoomConfig } from "../config";
import type { Grant } from "./rate-limiter";
import { type Bucket, fullBucket, take, waitFor } from "./token-bucket";

/** What the room does with a frame. */
export type Verdict = { ok: true } | { ok: false; retryAfterMs: number } | { ok: false; close: true };

/** The address's RateLimiter, as a room reaches it. */
export type ChargeAddress = (ip: string, used: number, want: number) => Promise<Grant>;

/** A socket's own budget, and the address it counts against. */
interface Connection extends Bucket {
	ip: string;
	/** Refused frames in a row. */
	strikes: number;
}

/** A client address as this room sees it: its own bucket here, and what its RateLimiter said. */
interface Address {
	/** Its sockets here that have sent something: the address is forgotten with the last. */
	sockets: number;
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

/**
 * Credit is asked for up to this share of the address's burst, so that a room
 * holds little of it; and frames let through without credit are charged in
 * batches of this share, so that a person chatting costs the RateLimiter a
 * call every few messages, not one per message.
 */
const CREDIT_SHARE = 1 / 10;
/** An address that runs out of credit sooner than this after the last call is sending fast. */
const FAST_MS = 1000;

export class Admission {
	readonly #connections = new Map<WebSocket, Connection>();
	readonly #addresses = new Map<string, Address>();
	/** Frames an address may pass here without credit before they are charged: a batch. */
	readonly #batch: number;

	constructor(
		private readonly config: Pick<RoomConfig, "connectionRate" | "ipRate" | "strikesToClose">,
		private readonly chargeAddress: ChargeAddress,
		private readonly background: (work: Promise<void>) => void,
		private readonly clock: () => number = Date.now,
	) {
		this.#batch = Math.max(1, Math.ceil(config.ipRate.burst * CREDIT_SHARE));
	}

	/** Addresses this room keeps state for: those with a socket here that has sent something. */
	get addresses(): number {
		return this.#addresses.size;
	}

	/**
	 * Counts one frame from `ws` at `ip`.
	 * @example admission.admit(ws, "203.0.113.7") // { ok: true }
	 */
	admit(ws: WebSocket, ip: string, now = this.clock()): Verdict {
		const { connectionRate, ipRate } = this.config;
		let connection = this.#connections.get(ws);
		let address = this.#addresses.get(ip);
		if (!address) {
			address = {
				sockets: 0,
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
		if (!connection) {
			connection = { ...fullBucket(connectionRate, now), ip, strikes: 0 };
			this.#connections.set(ws, connection);
			address.sockets += 1;
		}
		// Every bucket is asked first; a token is taken only from buckets that all have one.
		const wait = Math.max(
			waitFor(connection, connectionRate, now),
			waitFor(address.bucket, ipRate, now),
			address.blockedUntil - now,
		);
		if (wait > 0) {
			connection.strikes += 1;
			if (connection.strikes >= this.config.strikesToClose) return { ok: false, close: true };
			return { ok: false, retryAfterMs: wait };
		}
		take(connection, connectionRate, now);
		take(address.bucket, ipRate, now);
		connection.strikes = 0;
		if (address.credit >= 1) {
			address.credit -= 1;
		} else {
			address.unreported += 1;
			// A batch, or at once while the address is already sending fast (it was asked for credit).
			if (!address.reporting && (address.unreported >= this.#batch || address.ask > 0)) {
				this.background(this.#report(ip, address));
			}
		}
		return { ok: true };
	}

	/** Drops what was counted for a socket that is gone, and its address's with its last socket here. */
	forget(ws: WebSocket): void {
		const connection = this.#connections.get(ws);
		if (!connection) return;
		this.#connections.delete(ws);
		const address = this.#addresses.get(connection.ip);
		if (!address) return;
		address.sockets -= 1;
		if (address.sockets > 0) return;
		this.#addresses.delete(connection.ip);
		// What it sent here and was not charged yet is charged now: nothing leaves uncounted.
		if (address.unreported > 0 && !address.reporting) this.background(this.#report(connection.ip, address));
	}

	/**
	 * Charges the frames an address sent here without credit to its
	 * RateLimiter, off the message path so that no frame waits for it: one
	 * call in flight per address, and frames let through meanwhile are paid
	 * from new credit or go in the next call. Credit is asked for only while
	 * the address sends fast, so a room seldom holds tokens it will not use;
	 * then the calls become rarer as the credit doubles. At human speed frames
	 * are charged a batch at a time.
	 */
	async #report(ip: string, address: Address): Promise<void> {
		address.reporting = true;
		while (address.unreported > 0) {
			const used = address.unreported;
			address.unreported = 0;
			const now = this.clock();
			address.ask = now - address.askedAt < FAST_MS ? Math.min(this.#batch, Math.max(1, address.ask * 2)) : 0;
			address.askedAt = now;
			try {
				const { granted, wait } = await this.chargeAddress(ip, used, address.ask);
				const paid = Math.min(granted, address.unreported);
				address.unreported -= paid;
				address.credit += granted - paid;
				address.blockedUntil = granted > 0 ? 0 : this.clock() + wait;
			} catch {
				// The limiter is unreachable: fail open, this room's own limits still hold.
			}
		}
		address.reporting = false;
	}
}
