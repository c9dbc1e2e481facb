/**
 * Mutes and bans: who may not send, who may not come in, and until when.
 * - A mute holds a device key: its owner reads but cannot send.
 * - A ban holds a device key (until it ends or is lifted) and, because
 *   clearing storage makes a new key, the address it came from too; the
 *   address part always ends by itself (ADDRESS_BAN_HOURS, 24 h by default),
 *   because addresses are shared (carrier NAT). Owners and moderators are
 *   never held by an address ban: the room asks only about members. A
 *   device ban holds everyone, staff included, and outranks any link.
 * Ends run on the room's one alarm (nextDue); every check also compares
 * times, so nothing outlives its end while the alarm is on its way.
 */
import type { Restriction } from "../../protocol";
import { RestrictionStore } from "../store/restrictions";

export interface Ban {
	/** null: until lifted. */
	until: number | null;
}

export class Restrictions {
	readonly #store: RestrictionStore;

	constructor(
		sql: SqlStorage,
		private readonly addressBanMs: number,
	) {
		this.#store = new RestrictionStore(sql);
	}

	/** Mutes a device; returns when it ends. */
	mute(device: string, name: string, minutes: number, now = Date.now()): number {
		const until = now + minutes * 60_000;
		this.#store.mute(device, name, until);
		return until;
	}

	/** Until when a device is muted, if it is. */
	mutedUntil(device: string, now = Date.now()): number | undefined {
		return this.#store.muteOf(device, now)?.until;
	}

	/**
	 * Bans a device for `hours` (or until lifted) and, if it is known, its
	 * address for at most addressBanMs.
	 */
	ban(device: string, name: string, ip: string | undefined, hours: number | undefined, now = Date.now()): Ban {
		const until = hours === undefined ? null : now + hours * 3_600_000;
		const ipUntil = Math.min(until ?? Number.POSITIVE_INFINITY, now + this.addressBanMs);
		this.#store.ban({ device: device, ip: ip ?? null, name, until, ipUntil });
		return { until };
	}

	/**
	 * The ban that keeps someone out, if any: on their device, or, when `ip`
	 * is given (members only), on their address. An address ban says until
	 * when the address is held, which is all the person can wait for.
	 */
	banOf(device: string, ip: string | undefined, now = Date.now()): Ban | undefined {
		const ban = this.#store.banOf(device, ip, now);
		if (!ban) return undefined;
		const byDevice = ban.device === device && (ban.until === null || ban.until > now);
		return { until: byDevice ? ban.until : ban.ipUntil };
	}

	/**
	 * Lifts a mute or a ban by its list id ("mute-3", "ban-7"); returns whose
	 * it was. One that holds the device `by` stays: no one lifts their own
	 * restriction ("own").
	 */
	/** Whose mute or ban a list id is: their device key, if it is still held. */
	whose(id: string): string | undefined {
		const [kind, n] = id.split("-") as ["mute" | "ban", string];
		return this.#store.userOf(kind, Number(n));
	}

	lift(id: string, by: string): { kind: "mute" | "ban"; name: string; device: string } | "own" | undefined {
		const [kind, n] = id.split("-") as ["mute" | "ban", string];
		if (this.#store.userOf(kind, Number(n)) === by) return "own";
		const row = kind === "mute" ? this.#store.liftMute(Number(n)) : this.#store.liftBan(Number(n));
		return row && { kind, name: row.name, device: row.device };
	}

	/** Notes that a device has been in the room, from this address. */
	visit(device: string, ip: string, now = Date.now()): void {
		this.#store.visit(device, ip, now);
	}

	/** Whether anyone at all has been in the room. */
	anyVisitor(): boolean {
		return this.#store.anyVisitor();
	}

	hasVisited(device: string): boolean {
		return this.#store.lastAddress(device) !== undefined;
	}

	/** Where a device last came from: where a ban on someone who has left reaches. */
	addressOf(device: string): string | undefined {
		return this.#store.lastAddress(device);
	}

	/** Removes what has ended; whether anything did. */
	expire(now = Date.now()): boolean {
		return this.#store.expire(now) > 0;
	}

	/** When the next mute or ban ends, if any. */
	nextDue(): number | undefined {
		return this.#store.nextEnd();
	}

	/** The current mutes and bans, as Room settings lists them. */
	lists(now = Date.now()): { mutes: Restriction[]; bans: Restriction[] } {
		return {
			mutes: this.#store.mutes(now).map((m) => ({ id: `mute-${m.id}`, name: m.name, until: m.until })),
			bans: this.#store.bans(now).map((b) => ({
				id: `ban-${b.id}`,
				name: b.name,
				until: b.until,
				...(b.ip !== null && b.ipUntil > now && { addressUntil: b.ipUntil }),
			})),
		};
	}
}

/** A time for a reason text; pages of version 3 show `until` in the reader's own time instead. */
export function utc(at: number): string {
	return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** What a banned device is told, at the door or as it is removed. */
export function bannedReason(until: number | null): string {
	return until === null
		? "You are banned from this room until a moderator lifts the ban"
		: `You are banned from this room until ${utc(until)}`;
}
