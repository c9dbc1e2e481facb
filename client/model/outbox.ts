/**
 * The outbox: messages sent and not yet stored by the room, kept on the
 * device per room (localStorage), so that a reload, a closed tab, a browser
 * restart or a discarded tab loses none of them. They come back as pending
 * when the room is opened again and are sent with their original ids after
 * the next welcome. The room stores an id once per device key, which every
 * tab shares, so two tabs that both send a message deliver it once.
 *
 * A message leaves the outbox once the room has it, or once it can never be
 * sent: the room refused it (invalid), or it was written under another name
 * than the one the room now gives this tab. It then stays on the page,
 * marked "Not sent", until the page is closed.
 */
import type { PendingMessage } from "./room-state";

const keyOf = (room: string) => `hashzap:outbox:${room}`;

/** What this device had sent to the room and not seen stored, as the last tab left it. */
export function loadOutbox(room: string): PendingMessage[] {
	try {
		// The device's own data, written by this page's code; whatever else is there, the room validates what is sent.
		const stored: unknown = JSON.parse(localStorage.getItem(keyOf(room)) ?? "[]");
		return Array.isArray(stored) ? stored : [];
	} catch {
		return [];
	}
}

/** Keeps a message on the device until the room has it. */
export function keepInOutbox(room: string, message: PendingMessage): void {
	save(room, [...loadOutbox(room), message]);
}

/**
 * Takes out of the outbox what this tab saw settled: the messages waiting in
 * `before` that no longer wait in `after` (stored, or refused). Read and
 * written each time, never cached: another tab may have added its own.
 */
export function settleOutbox(room: string, before: PendingMessage[], after: PendingMessage[]): void {
	const waiting = (m: PendingMessage) => m.seq === undefined && m.error === undefined;
	const still = after.filter(waiting).map((m) => m.id);
	const settled = before.filter((m) => waiting(m) && !still.includes(m.id)).map((m) => m.id);
	if (settled.length > 0)
		save(
			room,
			loadOutbox(room).filter((m) => !settled.includes(m.id)),
		);
}

function save(room: string, messages: PendingMessage[]): void {
	try {
		if (messages.length > 0) localStorage.setItem(keyOf(room), JSON.stringify(messages));
		else localStorage.removeItem(keyOf(room));
	} catch {
		// Storage is off or full: the message is still pending in this tab.
	}
}
