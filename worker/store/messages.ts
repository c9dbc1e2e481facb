/**
 * The room's lines (chat messages, joins, leaves) in its SQLite storage.
 * Every value reaches SQL as a bound parameter.
 */
import type { ChatMessage, MessageKind } from "../../protocol";

interface Row extends Record<string, SqlStorageValue> {
	seq: number;
	id: string;
	kind: string;
	name: string;
	text: string;
	at: number;
	role: string | null;
}

const COLUMNS = "seq, id, kind, name, text, at, role";
/** Trim in batches so that a busy room deletes rarely, never on a timer. */
const TRIM_EVERY = 100;

export class MessageStore {
	#lastAt = 0;
	#lastSeq: number;

	constructor(
		private readonly sql: SqlStorage,
		private readonly limit: number,
	) {
		const last = sql
			.exec<{ seq: number; at: number }>("SELECT seq, at FROM messages ORDER BY seq DESC LIMIT 1")
			.toArray()[0];
		this.#lastSeq = last?.seq ?? 0;
		this.#lastAt = last?.at ?? 0;
	}

	/** The newest sequence number (0 in an empty room). */
	get lastSeq(): number {
		return this.#lastSeq;
	}

	/** Stores a line and returns it; time is the server's and never runs backwards. */
	append(
		kind: MessageKind,
		name: string,
		text: string,
		clientId: string | null = null,
		role?: ChatMessage["role"],
	): ChatMessage {
		const at = Math.max(Date.now(), this.#lastAt);
		const id = crypto.randomUUID();
		const { seq } = this.sql
			.exec<{ seq: number }>(
				"INSERT INTO messages (id, kind, name, text, at, client_id, role) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq",
				id,
				kind,
				name,
				text,
				at,
				clientId,
				role ?? null,
			)
			.one();
		this.#lastAt = at;
		this.#lastSeq = seq;
		if (seq % TRIM_EVERY === 0) this.trim();
		return { seq, id, kind, name, text, at, ...(role && { role }) };
	}

	/** The sequence number a client's send was stored under, if it was. */
	seqOfClientId(clientId: string): number | undefined {
		return this.sql.exec<{ seq: number }>("SELECT seq FROM messages WHERE client_id = ?", clientId).toArray()[0]?.seq;
	}

	/** When a user's newest message still stored was sent (their client ids begin with `user/`). */
	lastAtOf(user: string): number | undefined {
		// "0" follows "/" in code order: the range holds exactly the ids that begin with "user/".
		return (
			this.sql
				.exec<{ at: number | null }>(
					"SELECT MAX(at) AS at FROM messages WHERE client_id >= ? AND client_id < ?",
					`${user}/`,
					`${user}0`,
				)
				.one().at ?? undefined
		);
	}

	/** The device key of a chat line's sender (the part of its client id before "/"). */
	senderOf(seq: number): { user: string; name: string } | undefined {
		const r = this.sql
			.exec<{ client_id: string | null; name: string }>(
				"SELECT client_id, name FROM messages WHERE seq = ? AND kind = 'chat'",
				seq,
			)
			.toArray()[0];
		const user = r?.client_id?.split("/")[0];
		return r && user ? { user, name: r.name } : undefined;
	}

	/** Deletes every line before `seq`. */
	deleteBefore(seq: number): void {
		this.sql.exec("DELETE FROM messages WHERE seq < ?", seq);
	}

	/** Up to `limit` messages before `before` (exclusive), oldest first. */
	before(before: number, limit: number): ChatMessage[] {
		const rows = this.sql
			.exec<Row>(`SELECT ${COLUMNS} FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?`, before, limit)
			.toArray();
		return rows.reverse().map(toMessage);
	}

	/** Up to `limit` messages after `since` (exclusive), oldest first. */
	after(since: number, limit: number): ChatMessage[] {
		return this.sql
			.exec<Row>(`SELECT ${COLUMNS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`, since, limit)
			.toArray()
			.map(toMessage);
	}

	/** The oldest sequence number still stored (0 in an empty room). */
	firstSeq(): number {
		return this.sql.exec<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM messages").one().seq ?? 0;
	}

	/** Whether any message older than `seq` is stored. */
	hasBefore(seq: number | undefined): boolean {
		if (seq === undefined) return false;
		return this.sql.exec("SELECT 1 FROM messages WHERE seq < ? LIMIT 1", seq).toArray().length > 0;
	}

	count(): number {
		return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").one().n;
	}

	/** Keeps the newest `limit` messages. */
	trim(): void {
		this.sql.exec("DELETE FROM messages WHERE seq <= ?", this.#lastSeq - this.limit);
	}
}

function toMessage(r: Row): ChatMessage {
	const line: ChatMessage = { seq: r.seq, id: r.id, kind: r.kind as MessageKind, name: r.name, text: r.text, at: r.at };
	if (r.role) line.role = r.role as ChatMessage["role"];
	return line;
}
