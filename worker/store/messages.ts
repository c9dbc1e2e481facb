/**
 * The room's lines in its SQLite storage: messages (chat, joins, leaves)
 * and changes to them (edits, deletes, reactions), one seq for both. Lines
 * are read as they are now: a message with its current text, reactions and
 * the quote of what it answers; a change with its target's current state.
 * Every value reaches SQL as a bound parameter.
 */
import {
	type Change,
	type ChangeKind,
	type ChatMessage,
	type DeletedBy,
	type Emoji,
	LIMITS,
	type Line,
	type MessageKind,
	REACTIONS,
	type Reaction,
} from "../../protocol";
import { ReactionStore } from "./reactions";
import { wellFormed } from "./well-formed";

interface Row extends Record<string, SqlStorageValue> {
	seq: number;
	id: string;
	kind: string;
	name: string;
	text: string;
	at: number;
	edited: number;
	deleted: string | null;
	rev: number | null;
	reply_to: number | null;
	/** JSON: the names a chat message's text mentions now (NULL for none). */
	mentions: string | null;
	target: number | null;
	emoji: string | null;
	/** The sender's role when they sent it (version 6); NULL for members. */
	role: string | null;
	// The other message the line refers to (a reply's original, a change's target), as it is now.
	other_kind: string | null;
	other_name: string | null;
	other_text: string | null;
	other_deleted: string | null;
	other_mentions: string | null;
	/** JSON: a chat message's reactions as [emoji, name] pairs; a react change's emoji's names. */
	reactors: string | null;
}

/**
 * A line with what it refers to, in one row, so that rows can be read one
 * by one: a reply quotes only the start of its original; a change carries
 * its target's whole text (and whom it mentions); reactions come in the
 * order they were made.
 */
const SELECT = `SELECT m.seq, m.id, m.kind, m.name, m.text, m.at, m.edited, m.deleted, m.rev, m.reply_to, m.mentions, m.target, m.emoji, m.role,
	o.kind AS other_kind, o.name AS other_name, o.deleted AS other_deleted, o.mentions AS other_mentions,
	CASE WHEN m.target IS NULL THEN substr(o.text, 1, ${LIMITS.quoteMax}) ELSE o.text END AS other_text,
	CASE
		WHEN m.kind = 'chat' THEN (SELECT json_group_array(json_array(r.emoji, r.name) ORDER BY r.seq) FROM reactions r WHERE r.target = m.seq)
		WHEN m.kind = 'react' THEN (SELECT json_group_array(r.name ORDER BY r.seq) FROM reactions r WHERE r.target = m.target AND r.emoji = m.emoji)
	END AS reactors
	FROM messages m LEFT JOIN messages o ON o.seq = coalesce(m.target, m.reply_to)`;
/** Trim in batches so that a busy room deletes rarely, never on a timer. */
const TRIM_EVERY = 100;

/** What the room's rules need to know of a stored message. */
export interface Stored {
	kind: MessageKind;
	/** The sender's device key (null for joins, leaves, and chat stored before the room kept it). */
	device: string | null;
	deleted: boolean;
}

export class MessageStore {
	readonly reactions: ReactionStore;
	/** The newest line's seq and time: read on first use, as a room that was only read has no table yet. */
	#last: { seq: number; at: number } | undefined;

	constructor(
		private readonly sql: SqlStorage,
		private readonly limit: number,
	) {
		this.reactions = new ReactionStore(sql);
	}

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
		options: {
			clientId?: string;
			device?: string;
			replyTo?: number | undefined;
			role?: ChatMessage["role"];
			mentions?: string[] | undefined;
		} = {},
	): ChatMessage {
		wellFormed(name, text);
		const { mentions } = options;
		const { seq, id, at } = this.#insert(
			"INSERT INTO messages (id, kind, name, text, at, client_id, user_key, reply_to, role, mentions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
			(id, at) => [
				id,
				kind,
				name,
				text,
				at,
				options.clientId ?? null,
				options.device ?? null,
				options.replyTo ?? null,
				options.role ?? null,
				mentionsJson(mentions),
			],
		);
		// A reply is read back for its quote; anything else is known without a read.
		if (options.replyTo !== undefined) return this.line(seq) as ChatMessage;
		return {
			seq,
			id,
			kind,
			name,
			text,
			at,
			...(options.role && { role: options.role }),
			...(mentions && { mentions }),
		};
	}

	/** Stores a change to message `target` by `who`, and returns its seq; the caller then applies it. */
	appendChange(
		kind: ChangeKind,
		who: { name: string; device: string },
		target: number,
		clientId: string,
		emoji: Emoji | null = null,
	): number {
		wellFormed(who.name);
		return this.#insert(
			"INSERT INTO messages (id, kind, name, text, at, client_id, user_key, target, emoji) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?) RETURNING seq",
			(id, at) => [id, kind, who.name, at, clientId, who.device, target, emoji],
		).seq;
	}

	/** Inserts one line under a fresh id and the server's time, which never runs backwards. */
	#insert(
		query: string,
		values: (id: string, at: number) => SqlStorageValue[],
	): { seq: number; id: string; at: number } {
		const at = Math.max(Date.now(), this.#newest.at);
		const id = crypto.randomUUID();
		const { seq } = this.sql.exec<{ seq: number }>(query, ...values(id, at)).one();
		this.#last = { seq, at };
		if (seq % TRIM_EVERY === 0) this.trim();
		return { seq, id, at };
	}

	/** The new text of an edited message, and whom it mentions now; `rev` is the edit's seq. */
	setText(seq: number, text: string, rev: number, mentions?: string[]): void {
		wellFormed(text);
		this.sql.exec(
			"UPDATE messages SET text = ?, mentions = ?, edited = 1, rev = ? WHERE seq = ?",
			text,
			mentionsJson(mentions),
			rev,
			seq,
		);
	}

	/**
	 * Deletes a message's content for good: its text (edits never hold text
	 * of their own, so none is left anywhere), its reactions and which emoji
	 * its reaction changes were about, its reply pointer, whom it mentioned. The line stays, so
	 * that seqs stay gap-free and everyone can be shown that something was
	 * deleted.
	 */
	scrub(seq: number, by: DeletedBy, rev: number): void {
		this.sql.exec(
			"UPDATE messages SET text = '', edited = 0, reply_to = NULL, mentions = NULL, deleted = ?, rev = ? WHERE seq = ?",
			by,
			rev,
			seq,
		);
		this.sql.exec("UPDATE messages SET emoji = NULL WHERE target = ? AND emoji IS NOT NULL", seq);
		this.reactions.removeAll(seq);
	}

	/** Marks a message as changed by change `rev` (its reactions, which live in their own table). */
	touch(seq: number, rev: number): void {
		this.sql.exec("UPDATE messages SET rev = ? WHERE seq = ?", rev, seq);
	}

	/** A message still stored (not a change), for the rules about who may change it. */
	stored(seq: number): Stored | undefined {
		const r = this.sql
			.exec<{ kind: string; user_key: string | null; deleted: string | null }>(
				"SELECT kind, user_key, deleted FROM messages WHERE seq = ? AND target IS NULL",
				seq,
			)
			.toArray()[0];
		return r && { kind: r.kind as MessageKind, device: r.user_key, deleted: r.deleted !== null };
	}

	/** The sequence number a client's send or change was stored under, if it was (even if cleared since). */
	seqOfClientId(clientId: string): number | undefined {
		return this.sql
			.exec<{ seq: number }>(
				"SELECT seq FROM messages WHERE client_id = ? UNION ALL SELECT seq FROM cleared_ids WHERE client_id = ? LIMIT 1",
				clientId,
				clientId,
			)
			.toArray()[0]?.seq;
	}

	/**
	 * Of these client ids, those stored (even if cleared since), with their
	 * seqs: one query, the ids bound as one JSON array, whatever their number.
	 */
	seqsOfClientIds(clientIds: readonly string[]): Map<string, number> {
		const ids = JSON.stringify(clientIds);
		const rows = this.sql.exec<{ client_id: string; seq: number }>(
			`SELECT client_id, seq FROM messages WHERE client_id IN (SELECT value FROM json_each(?))
			UNION ALL SELECT client_id, seq FROM cleared_ids WHERE client_id IN (SELECT value FROM json_each(?))`,
			ids,
			ids,
		);
		return new Map([...rows].map((r) => [r.client_id, r.seq]));
	}

	/**
	 * When a device last said something still stored (a message, a title or an
	 * edit; their client ids begin with `device/`), for slow mode.
	 */
	lastAtOf(device: string): number | undefined {
		// "0" follows "/" in code order: the range holds exactly the ids that begin with "device/".
		return (
			this.sql
				.exec<{ at: number | null }>(
					"SELECT MAX(at) AS at FROM messages WHERE client_id >= ? AND client_id < ? AND kind IN ('chat', 'title', 'edit')",
					`${device}/`,
					`${device}0`,
				)
				.one().at ?? undefined
		);
	}

	/** Who sent a message: their device key and name. */
	senderOf(seq: number): { device: string; name: string } | undefined {
		const r = this.sql
			.exec<{ user_key: string | null; name: string }>(
				"SELECT user_key, name FROM messages WHERE seq = ? AND kind = 'chat'",
				seq,
			)
			.toArray()[0];
		return r?.user_key ? { device: r.user_key, name: r.name } : undefined;
	}

	/**
	 * Deletes every line before `seq`, with the reactions to them; their
	 * client ids stay (no text), so that a retry is still recognised.
	 */
	deleteBefore(seq: number): void {
		this.sql.exec(
			"INSERT OR IGNORE INTO cleared_ids (client_id, seq) SELECT client_id, seq FROM messages WHERE seq < ? AND client_id IS NOT NULL",
			seq,
		);
		this.sql.exec("DELETE FROM messages WHERE seq < ?", seq);
		this.reactions.removeUpTo(seq - 1);
	}

	/** One line as it is now. */
	line(seq: number): Line | undefined {
		return whileFits(this.sql.exec<Row>(`${SELECT} WHERE m.seq = ?`, seq), Infinity)[0];
	}

	/**
	 * The newest messages (not changes) before `before` (exclusive), oldest
	 * first: up to `limit` of them, and no more than fit in `maxBytes` as JSON.
	 */
	before(before: number, limit: number, maxBytes = Infinity): ChatMessage[] {
		const rows = this.sql.exec<Row>(
			`${SELECT} WHERE m.seq < ? AND m.target IS NULL ORDER BY m.seq DESC LIMIT ?`,
			before,
			limit,
		);
		return (whileFits(rows, maxBytes) as ChatMessage[]).reverse();
	}

	/** The oldest messages (not changes) from `from` on: up to `limit`, and no more than fit in `maxBytes`. */
	from(from: number, limit: number, maxBytes = Infinity): ChatMessage[] {
		const rows = this.sql.exec<Row>(
			`${SELECT} WHERE m.seq >= ? AND m.target IS NULL ORDER BY m.seq LIMIT ?`,
			from,
			limit,
		);
		return whileFits(rows, maxBytes) as ChatMessage[];
	}

	/**
	 * The stream: the oldest lines, messages and changes, after `since`
	 * (exclusive): up to `limit` of them, and no more than fit in `maxBytes`.
	 */
	after(since: number, limit: number, maxBytes = Infinity): Line[] {
		return whileFits(this.sql.exec<Row>(`${SELECT} WHERE m.seq > ? ORDER BY m.seq LIMIT ?`, since, limit), maxBytes);
	}

	/** The oldest sequence number still stored (0 in an empty room). */
	firstSeq(): number {
		return this.sql.exec<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM messages").one().seq ?? 0;
	}

	/** Whether any message (not a change) older than `seq` is stored. */
	hasBefore(seq: number | undefined): boolean {
		if (seq === undefined) return false;
		return this.sql.exec("SELECT 1 FROM messages WHERE seq < ? AND target IS NULL LIMIT 1", seq).toArray().length > 0;
	}

	/** Lines stored, messages and changes. */
	count(): number {
		return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").one().n;
	}

	/** Keeps the newest `limit` lines; reactions, reply pointers and cleared client ids go with them. */
	trim(): void {
		const upTo = this.lastSeq - this.limit;
		this.sql.exec("DELETE FROM messages WHERE seq <= ?", upTo);
		this.sql.exec("DELETE FROM cleared_ids WHERE seq <= ?", upTo);
		this.reactions.removeUpTo(upTo);
	}
}

const encoder = new TextEncoder();

/**
 * The rows as lines, in the cursor's order, while their JSON array fits in
 * `maxBytes` (at least one, so that a reader paging through always moves
 * on). Rows are read one by one: those past the budget are never read from
 * SQLite.
 */
function whileFits(rows: Iterable<Row>, maxBytes: number): Line[] {
	const lines: Line[] = [];
	let bytes = 1; // "[" and "]", less the comma the first line does not need
	for (const row of rows) {
		const line = row.target === null ? toMessage(row) : toChange(row);
		if (maxBytes !== Infinity) {
			bytes += encoder.encode(JSON.stringify(line)).byteLength + 1;
			if (bytes > maxBytes && lines.length > 0) break;
		}
		lines.push(line);
	}
	return lines;
}

function toMessage(r: Row): ChatMessage {
	const m: ChatMessage = { seq: r.seq, id: r.id, kind: r.kind as MessageKind, name: r.name, text: r.text, at: r.at };
	if (r.reply_to !== null) {
		const available = r.other_kind === "chat" && r.other_deleted === null && r.other_name !== null;
		m.replyTo = available
			? { seq: r.reply_to, name: r.other_name as string, text: r.other_text ?? "" }
			: { seq: r.reply_to };
	}
	if (r.edited) m.edited = true;
	if (r.deleted !== null) m.deleted = r.deleted as DeletedBy;
	const reactions = reactionsOf(r.reactors);
	if (reactions) m.reactions = reactions;
	if (r.rev !== null) m.rev = r.rev;
	if (r.role) m.role = r.role as ChatMessage["role"];
	if (r.mentions !== null) m.mentions = JSON.parse(r.mentions) as string[];
	return m;
}

function toChange(r: Row): Change {
	const target = r.target as number;
	const c: Change = { seq: r.seq, id: r.id, kind: r.kind as ChangeKind, name: r.name, at: r.at, target };
	// A target no longer stored (trimmed) leaves the change carrying nothing but its target.
	if (r.other_kind === null) return c;
	if (r.other_deleted !== null) c.deleted = r.other_deleted as DeletedBy;
	else if (r.kind === "edit") {
		c.text = r.other_text ?? "";
		if (r.other_mentions !== null) c.mentions = JSON.parse(r.other_mentions) as string[];
	} else if (r.kind === "react") c.reaction = { emoji: r.emoji as Emoji, names: JSON.parse(r.reactors ?? "[]") };
	return c;
}

/** A message's reactions, from [emoji, name] pairs in the order made: grouped by emoji, in the order of REACTIONS. */
function reactionsOf(json: string | null): Reaction[] | undefined {
	const pairs = JSON.parse(json ?? "[]") as [Emoji, string][];
	if (pairs.length === 0) return undefined;
	const byEmoji = new Map<Emoji, string[]>();
	for (const [emoji, name] of pairs) byEmoji.set(emoji, [...(byEmoji.get(emoji) ?? []), name]);
	return REACTIONS.flatMap((emoji) => {
		const names = byEmoji.get(emoji);
		return names ? [{ emoji, names }] : [];
	});
}

function mentionsJson(mentions: string[] | undefined): string | null {
	return mentions && mentions.length > 0 ? JSON.stringify(mentions) : null;
}
