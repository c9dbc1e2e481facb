/**
 * History: the room's lines in order. Sends are stored once per client id;
 * a reply must answer a message still there. A joining client gets the
 * newest page or exactly the lines it missed (changes included); pages of
 * messages, as they are now, are served for scrolling back and for jumping
 * to a message.
 */
import { type ChatMessage, isChange, LIMITS, type Line, type StoredId } from "../../protocol";
import type { MessageStore } from "../store/messages";
import { clientIdOf, findTarget, type Refusal } from "./changes";
import type { Joined } from "./connections";

export interface Opening {
	/** The newest seq in the room. */
	seq: number;
	messages: Line[];
	/** True when `messages` replaces what the client had (no usable `since`). */
	reset: boolean;
	hasMore: boolean;
}

export interface Page {
	messages: ChatMessage[];
	/** Whether older messages exist before the first of `messages`. */
	hasMore: boolean;
}

export class History {
	constructor(private readonly store: MessageStore) {}

	/** Whether the room has never had a line. */
	get empty(): boolean {
		return this.store.lastSeq === 0;
	}

	/**
	 * Stores a chat message (or a room title, worker/room/room-title.ts) once
	 * per client id. A retry gets the seq of the first try and no line (`line`
	 * undefined): nothing is broadcast again. A reply stores only the seq it
	 * answers; its quote is read as the original is now, so an original's
	 * deleted text is quoted nowhere.
	 */
	post(
		who: Joined,
		id: string,
		text: string,
		{
			replyTo,
			kind = "chat",
			role,
			mentions,
		}: {
			replyTo?: number | undefined;
			kind?: "chat" | "title";
			role?: ChatMessage["role"];
			mentions?: string[] | undefined;
		} = {},
	): { ok: true; seq: number; line?: ChatMessage } | Refusal {
		const clientId = clientIdOf(who, id);
		const stored = this.store.seqOfClientId(clientId);
		if (stored !== undefined) return { ok: true, seq: stored };
		if (replyTo !== undefined) {
			const original = findTarget(this.store, replyTo);
			if ("ok" in original) return original;
		}
		const line = this.store.append(kind, who.name, text, { clientId, device: who.device, replyTo, role, mentions });
		return { ok: true, seq: line.seq, line };
	}

	/** The seq a send with this id was stored under, if it was: a retry, to be acknowledged again. */
	stored(who: Joined, id: string): number | undefined {
		return this.store.seqOfClientId(clientIdOf(who, id));
	}

	/**
	 * Which of a device's client ids (sends and changes its page has not seen
	 * acknowledged) the room stored, with their seqs, in the order asked:
	 * found by the same key a retry is, so also after Clear history.
	 */
	storedOf(device: string, ids: readonly string[]): StoredId[] {
		const asked = [...new Set(ids)];
		const seqs = this.store.seqsOfClientIds(asked.map((id) => clientIdOf({ device }, id)));
		return asked.flatMap((id) => {
			const seq = seqs.get(clientIdOf({ device }, id));
			return seq === undefined ? [] : [{ id, seq }];
		});
	}

	/** Stores a line of the room's own: someone joined, left, or was removed by a moderator. */
	announce(kind: "join" | "leave" | "removed", name: string): ChatMessage {
		const what = { join: "joined the chat", leave: "left the chat", removed: "was removed by a moderator" }[kind];
		return this.store.append(kind, name, `${name} ${what}`);
	}

	/**
	 * Clears the history: every line before a new `cleared` line is deleted
	 * from storage (only the client ids stay, so that a send retried after
	 * the clear is acknowledged, not stored again). A client resuming from
	 * before it gets a fresh page.
	 */
	clear(): ChatMessage {
		const line = this.store.append("cleared", "", "The history was cleared by a moderator");
		this.store.deleteBefore(line.seq);
		return line;
	}

	/** When a device's newest stored message was sent, for slow mode after a wake. */
	lastSentBy(device: string): number | undefined {
		return this.store.lastAtOf(device);
	}

	/** Who sent a chat line: their device key and name. */
	senderOf(seq: number): { device: string; name: string } | undefined {
		return this.store.senderOf(seq);
	}

	/**
	 * What a joining client starts from: every line after `since` (messages
	 * and changes, so that it applies the changes it missed in order) when
	 * that is still whole, else the newest page of messages as they are now.
	 */
	opening(since: number | undefined): Opening {
		const last = this.store.lastSeq;
		const resumable =
			since !== undefined && since <= last && since >= this.store.firstSeq() - 1 && last - since <= LIMITS.resumeMax;
		// Either way no more than replyBytes: a resume cut short ends below `seq`, and the client syncs the rest.
		const messages = resumable
			? this.store.after(since, LIMITS.resumeMax, LIMITS.replyBytes)
			: this.store.before(last + 1, LIMITS.joinPage, LIMITS.replyBytes);
		return { seq: last, messages, reset: !resumable, hasMore: this.store.hasBefore(messages[0]?.seq) };
	}

	/** One message, if it is still kept. */
	message(seq: number): ChatMessage | undefined {
		const line = this.store.line(seq);
		return line && !isChange(line) ? line : undefined;
	}

	/** The lines after `since`, changes too, for a client filling a gap: a page's worth, and no more than replyBytes. */
	after(since: number): Line[] {
		return this.store.after(since, LIMITS.pageMax, LIMITS.replyBytes);
	}

	/** A page for scrolling back: up to `limit` messages before `before`, and no more than replyBytes. */
	page(before: number, limit: number): Page {
		const messages = this.store.before(before, Math.min(limit, LIMITS.pageMax), LIMITS.replyBytes);
		return { messages, hasMore: this.store.hasBefore(messages[0]?.seq) };
	}

	/**
	 * A page around message `seq` (half before it, the rest from it on, each
	 * half within half of replyBytes), for a client jumping to a message it
	 * does not hold, such as the original of a reply far back.
	 */
	around(seq: number, limit: number): Page {
		const size = Math.min(limit, LIMITS.pageMax);
		const older = this.store.before(seq, Math.floor(size / 2), LIMITS.replyBytes / 2);
		const messages = [...older, ...this.store.from(seq, size - older.length, LIMITS.replyBytes / 2)];
		return { messages, hasMore: this.store.hasBefore(messages[0]?.seq) };
	}
}
