/**
 * Mutes, bans and the room's visitors in its SQLite storage. Expired rows
 * are removed by the room's alarm; until then every check compares times,
 * so nothing outlives its end by a moment.
 */

export interface MuteRow {
	id: number;
	device: string;
	name: string;
	until: number;
}

export interface BanRow {
	id: number;
	device: string;
	/** The address banned with the device, until `ipUntil`; null once that has passed. */
	ip: string | null;
	name: string;
	/** null: until lifted. */
	until: number | null;
	ipUntil: number;
}

interface MuteSql extends Record<string, SqlStorageValue> {
	id: number;
	user_key: string;
	name: string;
	until: number;
}

interface BanSql extends Record<string, SqlStorageValue> {
	id: number;
	user_key: string;
	ip: string | null;
	name: string;
	until: number | null;
	ip_until: number;
}

const toMute = (r: MuteSql): MuteRow => ({ id: r.id, device: r.user_key, name: r.name, until: r.until });
const toBan = (r: BanSql): BanRow => ({
	id: r.id,
	device: r.user_key,
	ip: r.ip,
	name: r.name,
	until: r.until,
	ipUntil: r.ip_until,
});

export class RestrictionStore {
	constructor(private readonly sql: SqlStorage) {}

	mute(device: string, name: string, until: number): void {
		this.sql.exec(
			"INSERT INTO mutes (user_key, name, until) VALUES (?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET name = excluded.name, until = excluded.until",
			device,
			name,
			until,
		);
	}

	muteOf(device: string, now: number): MuteRow | undefined {
		const r = this.sql
			.exec<MuteSql>("SELECT id, user_key, name, until FROM mutes WHERE user_key = ? AND until > ?", device, now)
			.toArray()[0];
		return r && toMute(r);
	}

	mutes(now: number): MuteRow[] {
		return this.sql
			.exec<MuteSql>("SELECT id, user_key, name, until FROM mutes WHERE until > ? ORDER BY until", now)
			.toArray()
			.map(toMute);
	}

	/** The device a mute or a ban (by its id) holds, if it is still there. */
	userOf(kind: "mute" | "ban", id: number): string | undefined {
		const query =
			kind === "mute" ? "SELECT user_key FROM mutes WHERE id = ?" : "SELECT user_key FROM bans WHERE id = ?";
		return this.sql.exec<{ user_key: string }>(query, id).toArray()[0]?.user_key;
	}

	liftMute(id: number): MuteRow | undefined {
		const r = this.sql
			.exec<MuteSql>("DELETE FROM mutes WHERE id = ? RETURNING id, user_key, name, until", id)
			.toArray()[0];
		return r && toMute(r);
	}

	ban(b: Omit<BanRow, "id">): void {
		this.sql.exec("DELETE FROM bans WHERE user_key = ?", b.device);
		this.sql.exec(
			"INSERT INTO bans (user_key, ip, name, until, ip_until) VALUES (?, ?, ?, ?, ?)",
			b.device,
			b.ip,
			b.name,
			b.until,
			b.ipUntil,
		);
	}

	/** The ban on this device, or, if `ip` is given, on this address, in force at `now`. */
	banOf(device: string, ip: string | undefined, now: number): BanRow | undefined {
		const r = this.sql
			.exec<BanSql>(
				`SELECT id, user_key, ip, name, until, ip_until FROM bans
				WHERE (user_key = ? AND (until IS NULL OR until > ?)) OR (ip = ? AND ip_until > ?)
				ORDER BY until IS NULL DESC, until DESC LIMIT 1`,
				device,
				now,
				ip ?? null,
				now,
			)
			.toArray()[0];
		return r && toBan(r);
	}

	bans(now: number): BanRow[] {
		return this.sql
			.exec<BanSql>(
				"SELECT id, user_key, ip, name, until, ip_until FROM bans WHERE until IS NULL OR until > ? OR ip_until > ? ORDER BY id",
				now,
				now,
			)
			.toArray()
			.map(toBan);
	}

	liftBan(id: number): BanRow | undefined {
		const r = this.sql
			.exec<BanSql>("DELETE FROM bans WHERE id = ? RETURNING id, user_key, ip, name, until, ip_until", id)
			.toArray()[0];
		return r && toBan(r);
	}

	/** Removes what has ended by `now`; returns how many rows changed. */
	expire(now: number): number {
		let changed = this.sql.exec("DELETE FROM mutes WHERE until <= ?", now).rowsWritten;
		changed += this.sql.exec("UPDATE bans SET ip = NULL WHERE ip IS NOT NULL AND ip_until <= ?", now).rowsWritten;
		changed += this.sql.exec("DELETE FROM bans WHERE until IS NOT NULL AND until <= ? AND ip IS NULL", now).rowsWritten;
		return changed;
	}

	/** When the next mute, ban or address ban ends, if any does. */
	nextEnd(): number | undefined {
		return (
			this.sql
				.exec<{ due: number | null }>(
					`SELECT MIN(due) AS due FROM (
						SELECT MIN(until) AS due FROM mutes
						UNION ALL SELECT MIN(until) FROM bans WHERE until IS NOT NULL
						UNION ALL SELECT MIN(ip_until) FROM bans WHERE ip IS NOT NULL)`,
				)
				.one().due ?? undefined
		);
	}

	visit(device: string, ip: string, now: number): void {
		this.sql.exec("INSERT OR REPLACE INTO visitors (user_key, ip, at) VALUES (?, ?, ?)", device, ip, now);
	}

	/** The address a device last came from, if it has been here. */
	anyVisitor(): boolean {
		return this.sql.exec("SELECT 1 FROM visitors LIMIT 1").toArray().length > 0;
	}

	lastAddress(device: string): string | undefined {
		return this.sql.exec<{ ip: string }>("SELECT ip FROM visitors WHERE user_key = ?", device).toArray()[0]?.ip;
	}
}
