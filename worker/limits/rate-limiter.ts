/**
 * RateLimiter: one small Durable Object per client address (an IPv6 /64),
 * holding what that address may do across all rooms: its frames, its
 * WebSocket upgrades, and its open sockets.
 *
 * Frames. Rooms never wait for it. A room lets a frame through on its own
 * buckets, then charges it here off the message path: a batch of frames at
 * a time, or, while the address sends fast, in advance, as credit. The answer
 * is new credit, or until when the address is over its limit. So a message
 * costs no extra round trip, and a person chatting costs a call every few
 * messages. The price: frames spread over many rooms can pass for a batch
 * and a round trip before every room knows. The bucket goes into debt for
 * them, so the address pays them back by waiting longer (docs/security.md).
 *
 * Upgrades and sockets. The worker asks here before it hands an upgrade to a
 * room: the address's upgrades are rate limited, and its open sockets across
 * all rooms are capped. Rooms report their count when a socket closes. Those
 * counts can go stale (a room that restarts drops its sockets without a close
 * event), so before refusing, the cap asks the rooms themselves, whose socket
 * tags are the truth.
 */
import { DurableObject } from "cloudflare:workers";
import { type AddressLimits, addressLimits } from "../config";
import { SocketStore } from "../store/sockets";
import { type Bucket, charge, fullBucket, take } from "./token-bucket";

export interface Grant {
	/** Tokens given to the room in advance (0 when the address is over its limit). */
	granted: number;
	/** When nothing was granted: the ms until the address may send again. */
	wait: number;
}

/** Whether the worker may hand an upgrade to a room. */
export type SocketTicket =
	| { ok: true }
	| { ok: false; error: "too_many_requests" | "too_many_connections"; retryAfterMs: number };

/** Stale counts are checked with the rooms at most this often: a refused client cannot make the cap wake every room. */
const RECOUNT_MS = 60_000;

export class RateLimiter extends DurableObject<Env> {
	readonly #limits: AddressLimits;
	readonly #sockets: SocketStore;
	// In memory only: an instance is evicted only after it has been idle far
	// longer than the buckets take to fill, so a reset to full loses nothing.
	#frames: Bucket | undefined;
	#upgrades: Bucket | undefined;
	#recountedAt = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#limits = addressLimits(env);
		this.#sockets = new SocketStore(ctx.storage.sql);
	}

	/**
	 * Charges `used` frames a room has already let through (into debt if need
	 * be: they cannot be refused any more), then grants it up to `want`
	 * tokens in advance out of what is left.
	 */
	charge(used: number, want: number): Grant {
		const now = Date.now();
		const rate = this.#limits.ipRate;
		this.#frames ??= fullBucket(rate, now);
		const wait = charge(this.#frames, rate, now, used);
		if (wait > 0) return { granted: 0, wait };
		const granted = Math.min(want, Math.floor(this.#frames.tokens));
		this.#frames.tokens -= granted;
		return { granted, wait: 0 };
	}

	/**
	 * An upgrade from this address to `room`: within the upgrade rate (every
	 * try counts, refused or not) and under the cap on open sockets across
	 * rooms, it is counted as an open socket there.
	 */
	async openSocket(room: string): Promise<SocketTicket> {
		const now = Date.now();
		const rate = this.#limits.upgradeRate;
		this.#upgrades ??= fullBucket(rate, now);
		const wait = take(this.#upgrades, rate, now);
		if (wait > 0) return { ok: false, error: "too_many_requests", retryAfterMs: wait };
		if (this.#sockets.total() >= this.#limits.maxSockets && now - this.#recountedAt >= RECOUNT_MS) {
			this.#recountedAt = now;
			await this.#recount();
		}
		if (this.#sockets.total() >= this.#limits.maxSockets) {
			return { ok: false, error: "too_many_connections", retryAfterMs: RECOUNT_MS };
		}
		this.#sockets.add(room, 1);
		return { ok: true };
	}

	/** A room's count of this address's open sockets, after one closed there. */
	socketsIn(room: string, open: number): void {
		this.#sockets.set(room, open);
	}

	/** An upgrade counted by openSocket that the room did not accept. */
	socketRefused(room: string): void {
		this.#sockets.add(room, -1);
	}

	/** Open sockets counted in every room together. */
	openSockets(): number {
		return this.#sockets.total();
	}

	/** Asks every room with sockets counted how many it really holds. */
	async #recount(): Promise<void> {
		const ip = this.ctx.id.name;
		if (ip === undefined) return;
		await Promise.all(
			this.#sockets.rooms().map(async ({ room }) => {
				try {
					this.#sockets.set(room, await this.env.CHAT_ROOM.getByName(room).socketsFrom(ip));
				} catch {
					// Unreachable: keep the count it reported.
				}
			}),
		);
	}
}

/**
 * The key an address is limited under: an IPv4 address as it is, an IPv6
 * address by its /64, because one subscriber usually holds a whole /64 and
 * can hop between its addresses at will. Anything else (no header, in tests)
 * is kept as given, cut short, since it names a Durable Object and a tag.
 * @example addressKey("2001:db8:1:2:3:4:5:6") // "2001:db8:1:2::/64"
 */
export function addressKey(ip: string | null | undefined): string {
	if (!ip) return "unknown";
	const mappedV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)?.[1];
	if (mappedV4) return mappedV4;
	return (ip.includes(":") && ipv6Prefix64(ip)) || ip.slice(0, 64);
}

/** The first four groups of an IPv6 address, normalized, or undefined if it is not one. */
function ipv6Prefix64(ip: string): string | undefined {
	const halves = ip.toLowerCase().split("::");
	if (halves.length > 2) return undefined;
	const groups = (part: string | undefined) => (part ? part.split(":") : []);
	const head = groups(halves[0]);
	const tail = groups(halves[1]);
	// A dotted IPv4 address in the last 32 bits takes the place of two groups.
	const width = (parts: string[]) => parts.length + (parts.at(-1)?.includes(".") ? 1 : 0);
	const zeros = halves.length === 2 ? 8 - width(head) - width(tail) : 0;
	if (zeros < 0 || (halves.length === 1 && width(head) !== 8)) return undefined;
	const all = [...head, ...Array<string>(zeros).fill("0"), ...tail];
	const prefix = all.slice(0, 4);
	if (!prefix.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
	return `${prefix.map((g) => Number.parseInt(g, 16).toString(16)).join(":")}::/64`;
}
