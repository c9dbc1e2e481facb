/**
 * What this device remembers of each room it has been in (localStorage, one
 * key per room): the name the room accepted, the unsent draft, and where the
 * log was, and the room's protocol version. With it, coming back goes
 * straight in (resume.ts).
 */

export interface RoomMemory {
	name?: string;
	draft?: string;
	/** The line at the top of the log and how far below the log's edge it was; none when at the bottom. */
	anchor?: { seq: number; offset: number };
	/** The room's protocol version in its last welcome here: a join after a reload knows what the room takes. */
	version?: number;
}

const keyOf = (room: string) => `hashzap:room:${room}`;

export function recall(room: string): RoomMemory {
	try {
		// The device's own data, written by this page's code.
		return JSON.parse(localStorage.getItem(keyOf(room)) ?? "{}") as RoomMemory;
	} catch {
		return {};
	}
}

/** Adds to what is remembered of the room; a field set to undefined is forgotten. */
export function remember(room: string, patch: Partial<RoomMemory>): void {
	try {
		localStorage.setItem(keyOf(room), JSON.stringify({ ...recall(room), ...patch }));
	} catch {
		// storage is full or off: the next visit starts at the landing page
	}
}

/**
 * Forgets the room: the next visit starts at the landing page. Its lines and
 * where reading stopped, kept under keys of their own (model/held-lines.ts,
 * model/read-marker.ts), are forgotten by the session with it.
 */
export function forget(room: string): void {
	try {
		localStorage.removeItem(keyOf(room));
	} catch {
		// nothing remembered, nothing to forget
	}
}
