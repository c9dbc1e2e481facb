/**
 * Who the room counts as present, and who is about to be announced as gone,
 * in its SQLite storage: durable, so a restart that drops every socket
 * forgets no one.
 */
import { wellFormed } from "./well-formed";

export class MemberStore {
	constructor(private readonly sql: SqlStorage) {}

	member(nameKey: string): Member | undefined {
		const r = this.sql
			.exec<MemberRow>("SELECT name_key, user_key, name FROM members WHERE name_key = ?", nameKey)
			.toArray()[0];
		return r && { nameKey: r.name_key, userKey: r.user_key, name: r.name };
	}

	members(): Member[] {
		return this.sql
			.exec<MemberRow>("SELECT name_key, user_key, name FROM members")
			.toArray()
			.map((r) => ({ nameKey: r.name_key, userKey: r.user_key, name: r.name }));
	}

	addMember(m: Member): void {
		wellFormed(m.nameKey, m.userKey, m.name);
		this.sql.exec(
			"INSERT OR REPLACE INTO members (name_key, user_key, name) VALUES (?, ?, ?)",
			m.nameKey,
			m.userKey,
			m.name,
		);
	}

	removeMember(nameKey: string): void {
		this.sql.exec("DELETE FROM members WHERE name_key = ?", nameKey);
	}

	addDeparture(d: Departure): void {
		wellFormed(d.nameKey, d.userKey, d.name);
		this.sql.exec(
			"INSERT OR REPLACE INTO departures (name_key, user_key, name, due) VALUES (?, ?, ?, ?)",
			d.nameKey,
			d.userKey,
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

	cancelDeparture(nameKey: string): void {
		this.sql.exec("DELETE FROM departures WHERE name_key = ?", nameKey);
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
	nameKey: string;
	userKey: string;
	name: string;
}

interface MemberRow extends Record<string, SqlStorageValue> {
	name_key: string;
	user_key: string;
	name: string;
}

export interface Departure {
	nameKey: string;
	userKey: string;
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
	return { nameKey: r.name_key, userKey: r.user_key, name: r.name, due: r.due };
}
