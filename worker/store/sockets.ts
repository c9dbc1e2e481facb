/**
 * An address's open sockets, room by room, in its RateLimiter's SQLite
 * storage: durable, because sockets outlive an idle RateLimiter's memory.
 * The counts are what the rooms last reported; the rooms' own tags are the
 * truth (see worker/limits/socket-cap.ts).
 */

export class SocketStore {
	constructor(private readonly sql: SqlStorage) {
		sql.exec("CREATE TABLE IF NOT EXISTS sockets (room TEXT PRIMARY KEY, open INTEGER NOT NULL)");
	}

	/** Open sockets in every room together. */
	total(): number {
		return this.sql.exec<{ n: number | null }>("SELECT SUM(open) AS n FROM sockets").one().n ?? 0;
	}

	/** The rooms where sockets are counted, with their counts. */
	rooms(): { room: string; open: number }[] {
		return this.sql.exec<{ room: string; open: number }>("SELECT room, open FROM sockets").toArray();
	}

	/** Adds `delta` (never below 0) to a room's count. */
	add(room: string, delta: number): void {
		this.sql.exec(
			"INSERT INTO sockets (room, open) VALUES (?, MAX(0, ?)) ON CONFLICT (room) DO UPDATE SET open = MAX(0, open + ?)",
			room,
			delta,
			delta,
		);
		this.sql.exec("DELETE FROM sockets WHERE room = ? AND open = 0", room);
	}

	/** Sets a room's count to what the room says. */
	set(room: string, open: number): void {
		if (open > 0) this.sql.exec("INSERT OR REPLACE INTO sockets (room, open) VALUES (?, ?)", room, open);
		else this.sql.exec("DELETE FROM sockets WHERE room = ?", room);
	}
}
