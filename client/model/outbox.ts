/**
 * The outbox: what this device sent to a room and has not yet seen it
 * store. Messages, and changes (an edit, a delete, a reaction, the room's
 * title), kept on the device per room (localStorage), so that a reload, a
 * closed tab, a browser restart or a discarded tab loses none of them. They
 * come back as pending when the room is opened again and are sent with
 * their original ids after the next welcome. The room stores an id once
 * per device key, which every tab shares, so two tabs that both send one
 * deliver it once.
 *
 * `settleOutbox` is the pure fold of the room's answers into it: an ack,
 * the line itself, a welcome, the ids a join was told are stored, a
 * refusal. A message leaves it once the room has it, or once it can never
 * be sent: the room refused it (invalid), or it was written under another
 * name than the one the room now gives this tab. It then stays on the
 * page, marked "Not sent", until the page is closed. A refused change
 * leaves it; the room's reason is the page's error.
 */
import type { ChatMessage, ClientMessage, ErrorCode, ServerMessage, StoredId } from "../../protocol";
import { seqIndex } from "./message-fold";

/** A message this user sent that the room has not yet confirmed it stored. */
export interface PendingMessage {
	/** The client's id for it; resent with the same id until acknowledged. */
	id: string;
	text: string;
	/** The name it was written under (as the room accepted it): it is sent under that name or not at all. */
	as?: string | null;
	/** Set once acknowledged; the message is then shown from the room's lines. */
	seq?: number;
	/** Why the room refused it, if it did. */
	error?: string;
	/** The seq of the message it answers. */
	replyTo?: number;
}

/** A change a person made: to a message (its sender's edit or delete, anyone's reaction), or to the room's title. */
export type ChangeFrame = Extract<ClientMessage, { type: "edit" | "delete" | "react" | "title" }>;

/** A change sent and not yet seen stored: shown as on its way (an edit with its new text). */
export interface PendingChange {
	/** The frame's id, as sent each time. */
	id: string;
	frame: ChangeFrame;
	/** Set once acknowledged: it shows as pending until its line arrives. */
	seq?: number;
}

export interface Outbox {
	messages: PendingMessage[];
	changes: PendingChange[];
}

/** What the room refuses for now, not for good: the text goes back to the composer, to send again later. */
export const HANDED_BACK: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["slow_mode", "muted"]);

/** What the room has seen of the stream: an ack up to `lastSeq`, or of a held message, will not be followed by its line. */
export interface Seen {
	lastSeq: number;
	messages: readonly ChatMessage[];
}

/** Whether a message still waits to be sent (or resent). */
export const waiting = (m: PendingMessage) => m.seq === undefined && m.error === undefined;

/**
 * The outbox once the room's frame is taken into account; the same object
 * (and the same lists) when it changes nothing, so that its readers see no change.
 * @example settleOutbox(box, { type: "ack", id: "c1", seq: 9 }, room) // c1 leaves, or waits for line 9
 */
export function settleOutbox(box: Outbox, msg: ServerMessage, seen: Seen): Outbox {
	switch (msg.type) {
		case "welcome": {
			// Stored though never acknowledged (the ack was lost), then everything the welcome's seq covers.
			const told = acked(box, msg.stored ?? [], () => false);
			return removed(told, (p) => p.seq !== undefined && p.seq <= msg.seq);
		}
		case "message":
		case "messages":
		case "history": {
			const incoming = msg.type === "message" ? [msg.message] : msg.messages;
			return removed(box, (p) => p.seq !== undefined && incoming.some((l) => l.seq === p.seq));
		}
		case "ack":
			return acked(box, [msg], shownIn(seen));
		case "error": {
			// A refused name: which of the join's pending ids the room has, as if acknowledged.
			if (msg.stored) return acked(box, msg.stored, shownIn(seen));
			const { id } = msg;
			if (id === undefined) return box;
			const forNow = HANDED_BACK.has(msg.code);
			const messages = forNow
				? without(box.messages, (m) => m.id === id)
				: mapWhere(
						box.messages,
						(m) => m.id === id,
						(m) => ({ ...m, error: msg.reason }),
					);
			return same(
				box,
				messages,
				without(box.changes, (c) => c.id === id),
			);
		}
		default:
			return box;
	}
}

/** Up to lastSeq every line is shown or lies in older history: an old retry's line will not come again. */
const shownIn = (seen: Seen) => (seq: number) => seq <= seen.lastSeq || seqIndex(seen.messages, seq) !== -1;

/** Acks (or ids a join was told are stored): those whose line is already shown leave, the others wait for it. */
function acked(box: Outbox, acks: readonly StoredId[], shown: (seq: number) => boolean): Outbox {
	if (acks.length === 0) return box;
	const seqOf = (id: string) => acks.find((a) => a.id === id)?.seq;
	const settle = <P extends { id: string; seq?: number }>(list: P[]): P[] => {
		const answered = (p: P) => p.seq === undefined && seqOf(p.id) !== undefined;
		if (!list.some(answered)) return list;
		return list.flatMap((p) => {
			const seq = answered(p) ? (seqOf(p.id) as number) : undefined;
			if (seq === undefined) return [p];
			return shown(seq) ? [] : [{ ...p, seq }];
		});
	};
	return same(box, settle(box.messages), settle(box.changes));
}

function removed(box: Outbox, drop: (p: { seq?: number }) => boolean): Outbox {
	return same(box, without(box.messages, drop), without(box.changes, drop));
}

/** The box itself when neither list changed. */
function same(box: Outbox, messages: PendingMessage[], changes: PendingChange[]): Outbox {
	return messages === box.messages && changes === box.changes ? box : { messages, changes };
}

/** The list without the items `drop` matches; the same list when none does. */
function without<T>(list: T[], drop: (item: T) => boolean): T[] {
	return list.some(drop) ? list.filter((item) => !drop(item)) : list;
}

function mapWhere<T>(list: T[], match: (item: T) => boolean, change: (item: T) => T): T[] {
	return list.some(match) ? list.map((item) => (match(item) ? change(item) : item)) : list;
}

const keyOf = {
	messages: (room: string) => `hashzap:outbox:${room}`,
	changes: (room: string) => `hashzap:changes:${room}`,
};

/** What this device had sent to the room and not seen stored, as the last tab left it. */
export function loadOutbox(room: string): Outbox {
	return { messages: read(keyOf.messages(room)), changes: read(keyOf.changes(room)) };
}

/** Keeps a message or a change on the device until the room has it. */
export function keepInOutbox(room: string, kept: { message: PendingMessage } | { change: PendingChange }): void {
	if ("message" in kept) write(keyOf.messages(room), [...read(keyOf.messages(room)), kept.message]);
	else write(keyOf.changes(room), [...read(keyOf.changes(room)), kept.change]);
}

/**
 * Takes out of the device's outbox what this tab saw settled: what waited
 * in `before` and no longer waits in `after` (stored, or refused). Read and
 * written each time, never cached: another tab may have added its own.
 */
export function forgetSettled(room: string, before: Outbox, after: Outbox): void {
	const forget = <P extends { id: string }>(key: string, was: P[], now: P[], waits: (p: P) => boolean) => {
		const still = new Set(now.filter(waits).map((p) => p.id));
		const settled = new Set(was.filter((p) => waits(p) && !still.has(p.id)).map((p) => p.id));
		if (settled.size > 0)
			write(
				key,
				read<P>(key).filter((p) => !settled.has(p.id)),
			);
	};
	forget(keyOf.messages(room), before.messages, after.messages, waiting);
	forget(keyOf.changes(room), before.changes, after.changes, (c) => c.seq === undefined);
}

function read<T>(key: string): T[] {
	try {
		// The device's own data, written by this page's code; whatever else is there, the room validates what is sent.
		const stored: unknown = JSON.parse(localStorage.getItem(key) ?? "[]");
		return Array.isArray(stored) ? stored : [];
	} catch {
		return [];
	}
}

function write<T>(key: string, list: T[]): void {
	try {
		if (list.length > 0) localStorage.setItem(key, JSON.stringify(list));
		else localStorage.removeItem(key);
	} catch {
		// Storage is off or full: it is still pending in this tab.
	}
}
