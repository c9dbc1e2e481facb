/**
 * Membership and presence: who is in the room under which name, and when
 * someone who left is announced as gone. Names are unique in a room, and two
 * names that look alike are the same name (name-keys.ts); a person's tabs
 * and reconnects share their device key, so coming back within the grace
 * period says nothing.
 */
import { nameKey } from "../../protocol";
import { type Member, MemberStore } from "../store/members";
import type { Joined } from "./connections";
import { nameKeys } from "./name-keys";

export type Claim =
	| { ok: true; who: Joined; returning: boolean }
	/** Someone else (another device key) holds the name. */
	| { ok: false };

export class Membership {
	readonly #store: MemberStore;

	constructor(
		sql: SqlStorage,
		private readonly graceMs: number,
	) {
		this.#store = new MemberStore(sql);
	}

	/** Gives members stored before look-alike keys existed today's keys: run when a stored room wakes. */
	upgradeKeys(): void {
		for (const m of this.#store.unkeyed()) {
			const keys = nameKeys(m.name);
			this.#store.rekey(m.memberKey, keys.key, keys.look);
		}
	}

	/**
	 * Lets `device` in under `name`, unless another device holds it. The same
	 * device (another tab, or back within the grace period or after a restart)
	 * is returning: the room says nothing of it.
	 */
	claim(name: string, device: string): Claim {
		const { key, look } = nameKeys(name);
		if (this.#store.heldByOther(key, look, device)) return { ok: false };
		const member = this.#store.member(key);
		this.#store.cancelDeparture(key);
		if (!member) this.#store.addMember({ memberKey: key, device: device, name }, look);
		return { ok: true, who: { name: member?.name ?? name, memberKey: key, device }, returning: member !== undefined };
	}

	/** Whether `name` is free: a join under it would be announced (and, later, its leave). */
	arriving(name: string): boolean {
		return this.#store.member(nameKeys(name).key) === undefined;
	}

	/** The last socket of `who` closed: they are announced as gone after the grace period, unless they come back. */
	depart(who: Joined, now = Date.now()): void {
		this.#store.addDeparture({ memberKey: who.memberKey, device: who.device, name: who.name, due: now + this.graceMs });
	}

	/** Everyone whose grace period ran out without a reconnect: no longer members. */
	gone(present: Set<string>, now = Date.now()): Member[] {
		const gone = [];
		for (const d of this.#store.takeDueDepartures(now)) {
			if (present.has(d.memberKey)) continue;
			this.#store.removeMember(d.memberKey);
			gone.push(d);
		}
		return gone;
	}

	/** When the next departure is due, if any. */
	nextDue(): number | undefined {
		return this.#store.nextDeparture();
	}

	/**
	 * After a restart every socket is gone without a close event: members with
	 * no socket get the usual grace period to reconnect.
	 */
	reconcile(present: Set<string>, now = Date.now()): void {
		const pending = new Set(this.#store.departures().map((d) => d.memberKey));
		for (const m of this.#store.members()) {
			if (!present.has(m.memberKey) && !pending.has(m.memberKey)) {
				this.#store.addDeparture({ ...m, due: now + this.graceMs });
			}
		}
	}

	/**
	 * The member a name calls, if anyone: found by the look-alike key, which
	 * is unique in the room, then held to the name as it reads (nameKey), so
	 * that "Sarn" does not call Sam as a mention would not.
	 */
	holder(name: string): Member | undefined {
		const member = this.#store.member(nameKeys(name).key);
		return member && nameKey(member.name) === nameKey(name) ? member : undefined;
	}

	/** Everyone in the room, with their device keys. */
	members(): Member[] {
		return this.#store.members();
	}

	/** Takes someone out of the room at once, without a grace period: kicked or banned. */
	remove(memberKey: string): void {
		this.#store.cancelDeparture(memberKey);
		this.#store.removeMember(memberKey);
	}

	/** Who is in the room: one entry per person, including those within their grace period. */
	online(): string[] {
		return this.#store
			.members()
			.map((m) => m.name)
			.sort((a, b) => a.localeCompare(b));
	}
}
