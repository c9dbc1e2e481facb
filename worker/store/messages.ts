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
	role: string | null;
	of_seq: number | null;
}

const COLUMNS = "seq, id, kind, name, text, at, role, of_seq";
/** Trim in batches so that a busy room deletes rarely, never on a timer. */
const TRIM_EVERY = 100;

export class MessageStore {
	/** The newest line's seq and time: read on first use, as a room that was only read has no table yet. */
	#last: { seq: number; at: number } | undefined;

	constructor(
		private readonly sql: SqlStorage,
		private readonly limit: number,
	) {}

	get #newest(): { seq: number; at: number } {
		this.#last ??= this.sql
			.exec<{ seq: number; at: number }>("SELECT seq, at FROM messages ORDER BY seq DESC LIMIT 1")
			.toArray()[0] ?? { seq: 0, at: 0 };
		return this.#last;
	}

	/** The newest sequence number (0 in an empty room). */
	get lastSeq(): number {
		return this.#newest.seq;
	}

	/** Stores a line and returns it; time is the server's and never runs backwards. */
	append(
		kind: MessageKind,
		name: string,
		text: string,
		clientId: string | null = null,
		role?: ChatMessage["role"],
		of?: number,
	): ChatMessage {
		wellFormed(name, text);
		const at = Math.max(Date.now(), this.#newest.at);
		const id = crypto.randomUUID();
		const { seq } = this.sql
			.exec<{ seq: number }>(
				"INSERT INTO messages (id, kind, name, text, at, client_id, role, of_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
				id,
				kind,
				name,
				text,
				at,
				clientId,
				role ?? null,
				of ?? null,
			)
			.one();
		this.#last = { seq, at };
		if (seq % TRIM_EVERY === 0) this.trim();
		return { seq, id, kind, name, text, at, ...(role && { role }), ...(of !== undefined && { of }) };
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

	/** A chat line's sender and whether its text is still there, for deleting it. */
	chatLine(seq: number): { name: string; removed: boolean } | undefined {
		const r = this.sql
			.exec<{ name: string; text: string }>("SELECT name, text FROM messages WHERE seq = ? AND kind = 'chat'", seq)
			.toArray()[0];
		return r && { name: r.name, removed: r.text === "" };
	}

	/** Forgets a chat line's text: the row stays, so that the seqs stay gap-free. */
	removeText(seq: number): void {
		this.sql.exec("UPDATE messages SET text = '' WHERE seq = ? AND kind = 'chat'", seq);
	}

	/** Deletes every line before `seq`. */
	deleteBefore(seq: number): void {
		this.sql.exec("DELETE FROM messages WHERE seq < ?", seq);
	}

	/**
	 * The newest messages before `before` (exclusive), oldest first: up to
	 * `limit` of them, and no more than fit in `maxBytes` as JSON.
	 */
	before(before: number, limit: number, maxBytes = Infinity): ChatMessage[] {
		const rows = this.sql.exec<Row>(
			`SELECT ${COLUMNS} FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
			before,
			limit,
		);
		return whileFits(rows, maxBytes).reverse();
	}

	/** The oldest messages after `since` (exclusive): up to `limit` of them, and no more than fit in `maxBytes` as JSON. */
	after(since: number, limit: number, maxBytes = Infinity): ChatMessage[] {
		return whileFits(
			this.sql.exec<Row>(`SELECT ${COLUMNS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`, since, limit),
			maxBytes,
		);
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
		this.sql.exec("DELETE FROM messages WHERE seq <= ?", this.lastSeq - this.limit);
	}
}

const encoder = new TextEncoder();

/**
 * The rows, in the cursor's order, while their JSON array fits in `maxBytes`
 * (at least one, so that a reader paging through always moves on). Rows are
 * read one by one: those past the budget are never read from SQLite.
 */
function whileFits(rows: Iterable<Row>, maxBytes: number): ChatMessage[] {
	const lines: ChatMessage[] = [];
	let bytes = 1; // "[" and "]", less the comma the first line does not need
	for (const row of rows) {
		const line = toMessage(row);
		if (maxBytes !== Infinity) {
			bytes += encoder.encode(JSON.stringify(line)).byteLength + 1;
			if (bytes > maxBytes && lines.length > 0) break;
		}
		lines.push(line);
	}
	return lines;
}

function toMessage(r: Row): ChatMessage {
	const line: ChatMessage = { seq: r.seq, id: r.id, kind: r.kind as MessageKind, name: r.name, text: r.text, at: r.at };
	if (r.role) line.role = r.role as ChatMessage["role"];
	// A chat line's text is never empty, except once a moderator deleted it.
	if (r.kind === "chat" && r.text === "") line.removed = true;
	if (r.of_seq !== null) line.of = r.of_seq;
	return line;
}
