/**
 * RateLimiter: one small Durable Object per client address, holding the one
 * token bucket that all of that address's connections in all rooms share.
 *
 * Rooms never wait for it. A room lets a frame through on its own buckets
 * and on credit: tokens the RateLimiter granted it in advance. Out of credit,
 * it still lets the frame through, then, in the background, charges it here
 * and asks for more credit; the answer is new credit, or until when the
 * address is over its limit. So a message costs no extra round trip, and an
 * address that sends fast costs a call per many frames. The price: a burst
 * spread over many rooms can pass for one round trip before every room knows.
 * The bucket goes into debt for it, so the address pays it back by waiting
 * longer (docs/security.md).
 */
import { DurableObject } from "cloudflare:workers";
import { roomConfig } from "../config";
import { type Bucket, charge, fullBucket, type Rate } from "./token-bucket";

export interface Grant {
	/** Tokens given to the room in advance (0 when the address is over its limit). */
	granted: number;
	/** When nothing was granted: the ms until the address may send again. */
	wait: number;
}

export class RateLimiter extends DurableObject<Env> {
	readonly #rate: Rate;
	// In memory only: an instance is evicted only after it has been idle far
	// longer than the bucket takes to fill, so a reset to full loses nothing.
	#bucket: Bucket | undefined;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#rate = roomConfig(env).ipRate;
	}

	/**
	 * Charges `used` frames a room has already let through (into debt if need
	 * be: they cannot be refused any more), then grants it up to `want`
	 * tokens in advance out of what is left.
	 */
	charge(used: number, want: number): Grant {
		const now = Date.now();
		this.#bucket ??= fullBucket(this.#rate, now);
		const wait = charge(this.#bucket, this.#rate, now, used);
		if (wait > 0) return { granted: 0, wait };
		const granted = Math.min(want, Math.floor(this.#bucket.tokens));
		this.#bucket.tokens -= granted;
		return { granted, wait: 0 };
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
