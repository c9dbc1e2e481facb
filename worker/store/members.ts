/**
 * Who the room counts as present, and who is about to be announced as gone,
 * in its SQLite storage: durable, so a restart that drops every socket
 * forgets no one.
 */
import { wellFormed } from "./well-formed";

export class MemberStore {
	constructor(private readonly sql: SqlStorage) {}

	member(memberKey: string): Member | undefined {
		const r = this.sql
			.exec<MemberRow>("SELECT name_key, user_key, name FROM members WHERE name_key = ?", memberKey)
			.toArray()[0];
		return r && { memberKey: r.name_key, device: r.user_key, name: r.name };
	}

	members(): Member[] {
		return this.sql
			.exec<MemberRow>("SELECT name_key, user_key, name FROM members")
			.toArray()
			.map((r) => ({ memberKey: r.name_key, device: r.user_key, name: r.name }));
	}

	/** Whether a device other than `device` holds a name with either key. */
	heldByOther(memberKey: string, lookKey: string, device: string): boolean {
		return (
			this.sql
				.exec(
					"SELECT 1 FROM members WHERE (name_key = ? OR look_key = ?) AND user_key != ? LIMIT 1",
					memberKey,
					lookKey,
					device,
				)
				.toArray().length > 0
		);
	}

	/** Adds a member; `lookKey` is their name's look-alike key (name-keys.ts), filled in on wake when absent. */
	addMember(m: Member, lookKey: string | null = null): void {
		wellFormed(m.memberKey, m.device, m.name, ...(lookKey === null ? [] : [lookKey]));
		this.sql.exec(
			"INSERT OR REPLACE INTO members (name_key, user_key, name, look_key) VALUES (?, ?, ?, ?)",
			m.memberKey,
			m.device,
			m.name,
			lookKey,
		);
	}

	/** Members stored before names had a look key. */
	unkeyed(): Member[] {
		return this.sql
			.exec<MemberRow>("SELECT name_key, user_key, name FROM members WHERE look_key IS NULL")
			.toArray()
			.map((r) => ({ memberKey: r.name_key, device: r.user_key, name: r.name }));
	}

	/** Gives a member (and a departure of theirs) the keys of today's rules; a key someone already has stays as it was. */
	rekey(oldKey: string, memberKey: string, lookKey: string): void {
		this.sql.exec(
			"UPDATE OR IGNORE members SET name_key = ?, look_key = ? WHERE name_key = ?",
			memberKey,
			lookKey,
			oldKey,
		);
		this.sql.exec("UPDATE members SET look_key = ? WHERE name_key = ? AND look_key IS NULL", lookKey, oldKey);
		this.sql.exec("UPDATE OR IGNORE departures SET name_key = ? WHERE name_key = ?", memberKey, oldKey);
	}

	removeMember(memberKey: string): void {
		this.sql.exec("DELETE FROM members WHERE name_key = ?", memberKey);
	}

	addDeparture(d: Departure): void {
		wellFormed(d.memberKey, d.device, d.name);
		this.sql.exec(
			"INSERT OR REPLACE INTO departures (name_key, user_key, name, due) VALUES (?, ?, ?, ?)",
			d.memberKey,
			d.device,
			d.name,
			d.due,
		);
	}

	departures(): Departure[] {
		return this.sql
			.exec<DepartureRow>("SELECT name_key, user_key, name, due FROM departures")
			.toArray()
			.map(toDeparture);
	}

	cancelDeparture(memberKey: string): void {
		this.sql.exec("DELETE FROM departures WHERE name_key = ?", memberKey);
	}

	/** Removes and returns the departures due by `now`. */
	takeDueDepartures(now: number): Departure[] {
		return this.sql
			.exec<DepartureRow>("DELETE FROM departures WHERE due <= ? RETURNING name_key, user_key, name, due", now)
			.toArray()
			.map(toDeparture);
	}

	nextDeparture(): number | undefined {
		return this.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM departures").one().due ?? undefined;
	}
}

export interface Member {
	memberKey: string;
	device: string;
	name: string;
}

interface MemberRow extends Record<string, SqlStorageValue> {
	name_key: string;
	user_key: string;
	name: string;
}

export interface Departure {
	memberKey: string;
	device: string;
	name: string;
	due: number;
}

interface DepartureRow extends Record<string, SqlStorageValue> {
	name_key: string;
	user_key: string;
	name: string;
	due: number;
}

function toDeparture(r: DepartureRow): Departure {
	return { memberKey: r.name_key, device: r.user_key, name: r.name, due: r.due };
}
