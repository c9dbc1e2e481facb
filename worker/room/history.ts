/**
 * History: the room's lines in order. Sends are stored once per client id;
 * a joining client gets the newest page or exactly what it missed; pages of
 * older lines are served for scrolling back.
 */
import { type ChatMessage, LIMITS } from "../../protocol";
import { MessageStore } from "../store/messages";
import type { Joined } from "./connections";

export interface Opening {
	/** The newest seq in the room. */
	seq: number;
	messages: ChatMessage[];
	/** True when `messages` replaces what the client had (no usable `since`). */
	reset: boolean;
	hasMore: boolean;
}

export class History {
	readonly #store: MessageStore;

	constructor(sql: SqlStorage, limit: number) {
		this.#store = new MessageStore(sql, limit);
	}

	/** Whether the room has never had a line. */
	get empty(): boolean {
		return this.#store.lastSeq === 0;
	}

	/**
	 * Stores a chat message (or a room title, worker/room/room-title.ts) once
	 * per client id. A retry gets the seq of the first try and no line (`line`
	 * undefined): nothing is broadcast again.
	 */
	post(
		who: Joined,
		id: string,
		text: string,
		kind: "chat" | "title" = "chat",
		role?: ChatMessage["role"],
	): { seq: number; line?: ChatMessage } {
		const clientId = clientIdOf(who, id);
		const stored = this.#store.seqOfClientId(clientId);
		if (stored !== undefined) return { seq: stored };
		const line = this.#store.append(kind, who.name, text, clientId, role);
		return { seq: line.seq, line };
	}

	/** The seq a send with this id was stored under, if it was: a retry, to be acknowledged again. */
	stored(who: Joined, id: string): number | undefined {
		return this.#store.seqOfClientId(clientIdOf(who, id));
	}

	/** Stores a line of the room's own: someone joined, left, or was removed by a moderator. */
	announce(kind: "join" | "leave" | "removed", name: string): ChatMessage {
		const what = { join: "joined the chat", leave: "left the chat", removed: "was removed by a moderator" }[kind];
		return this.#store.append(kind, name, `${name} ${what}`);
	}

	/**
	 * Clears the history: every line before a new `cleared` line is deleted
	 * from storage. A client resuming from before it gets a fresh page.
	 */
	clear(): ChatMessage {
		const line = this.#store.append("cleared", "", "The history was cleared by a moderator");
		this.#store.deleteBefore(line.seq);
		return line;
	}

	/**
	 * Deletes a chat line's text for a moderator, and stores the deletion as
	 * a line of its own, once per client id, so that it travels in the
	 * stream. A retry gets the seq of the first try and no line.
	 */
	delete(
		who: Joined,
		id: string,
		seq: number,
	): { seq: number; line?: ChatMessage; target?: string } | "not_found" | "removed" {
		const clientId = clientIdOf(who, id);
		const stored = this.#store.seqOfClientId(clientId);
		if (stored !== undefined) return { seq: stored };
		const target = this.#store.chatLine(seq);
		if (!target) return "not_found";
		if (target.removed) return "removed";
		this.#store.removeText(seq);
		const line = this.#store.append("delete", "", "", clientId, undefined, seq);
		return { seq: line.seq, line, target: target.name };
	}

	/** When a device's newest stored message was sent, for slow mode after a wake. */
	lastSentBy(user: string): number | undefined {
		return this.#store.lastAtOf(user);
	}

	/** Who sent a chat line: their device key and name. */
	senderOf(seq: number): { user: string; name: string } | undefined {
		return this.#store.senderOf(seq);
	}

	/** What a joining client starts from: what came after `since` when that is still whole, else the newest page. */
	opening(since: number | undefined): Opening {
		const last = this.#store.lastSeq;
		const resumable =
			since !== undefined && since <= last && since >= this.#store.firstSeq() - 1 && last - since <= LIMITS.resumeMax;
		// Either way no more than replyBytes: a resume cut short ends below `seq`, and the client syncs the rest.
		const messages = resumable
			? this.#store.after(since, LIMITS.resumeMax, LIMITS.replyBytes)
			: this.#store.before(last + 1, LIMITS.joinPage, LIMITS.replyBytes);
		return { seq: last, messages, reset: !resumable, hasMore: this.#store.hasBefore(messages[0]?.seq) };
	}

	/** The lines after `since`, for a client filling a gap: a page's worth, and no more than replyBytes. */
	after(since: number): ChatMessage[] {
		return this.#store.after(since, LIMITS.pageMax, LIMITS.replyBytes);
	}

	/** A page for scrolling back: up to `limit` messages before `before`, and no more than replyBytes. */
	page(before: number, limit: number): { messages: ChatMessage[]; hasMore: boolean } {
		const messages = this.#store.before(before, Math.min(limit, LIMITS.pageMax), LIMITS.replyBytes);
		return { messages, hasMore: this.#store.hasBefore(messages[0]?.seq) };
	}
}

/** Scoped by the user's key, so that one client's ids never collide with another's. */
function clientIdOf(who: Joined, id: string): string {
	return `${who.user}/${id}`;
}
