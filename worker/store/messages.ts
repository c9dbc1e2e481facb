/**
 * The room's lines (chat messages, joins, leaves) in its SQLite storage.
 * Every value reaches SQL as a bound parameter.
 */
import type { ChatMessage, MessageKind } from "../../protocol";
import { wellFormed } from "./well-formed";

interface Row extends Record<string, SqlStorageValue> {
	seq: number;
	id: string;
	kind: string;
	name: string;
	text: string;
	at: number;
}

const COLUMNS = "seq, id, kind, name, text, at";
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
	append(kind: MessageKind, name: string, text: string, clientId: string | null = null): ChatMessage {
		wellFormed(name, text);
		const at = Math.max(Date.now(), this.#lastAt);
		const id = crypto.randomUUID();
		const { seq } = this.sql
			.exec<{ seq: number }>(
				"INSERT INTO messages (id, kind, name, text, at, client_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
				id,
				kind,
				name,
				text,
				at,
				clientId,
			)
			.one();
		this.#lastAt = at;
		this.#lastSeq = seq;
		if (seq % TRIM_EVERY === 0) this.trim();
		return { seq, id, kind, name, text, at };
	}

	/** The sequence number a client's send was stored under, if it was. */
	seqOfClientId(clientId: string): number | undefined {
		return this.sql.exec<{ seq: number }>("SELECT seq FROM messages WHERE client_id = ?", clientId).toArray()[0]?.seq;
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
	return { seq: r.seq, id: r.id, kind: r.kind as MessageKind, name: r.name, text: r.text, at: r.at };
}
