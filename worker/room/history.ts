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
		mentions?: string[],
	): { seq: number; line?: ChatMessage } {
		// Scoped by the user's key, so that one client's ids never collide with another's.
		const clientId = `${who.user}/${id}`;
		const stored = this.#store.seqOfClientId(clientId);
		if (stored !== undefined) return { seq: stored };
		const line = this.#store.append(kind, who.name, text, clientId, mentions);
		return { seq: line.seq, line };
	}

	/** Stores a line of the room's own: someone joined or left. */
	announce(kind: "join" | "leave", name: string): ChatMessage {
		return this.#store.append(kind, name, `${name} ${kind === "join" ? "joined" : "left"} the chat`);
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

	/** One line, if it is still kept. */
	line(seq: number): ChatMessage | undefined {
		return this.#store.after(seq - 1, 1).find((m) => m.seq === seq);
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
