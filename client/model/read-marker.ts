/**
 * Where this device stopped reading, per room: the last seq it showed the
 * user (kept in localStorage), and where the "New messages" line goes on
 * return. A line counts as shown when it was on screen in a visible tab
 * (the message list says which).
 */

const key = (room: string) => `hashzap:read:${room}`;

export function readSeq(room: string): number | null {
	try {
		const value = Number(localStorage.getItem(key(room)));
		return Number.isSafeInteger(value) && value > 0 ? value : null;
	} catch {
		return null;
	}
}

/** Remembers that the user has seen up to `seq`; never moves back. */
export function markRead(room: string, seq: number): void {
	const current = readSeq(room);
	if (current !== null && current >= seq) return;
	try {
		localStorage.setItem(key(room), String(seq));
	} catch {
		// storage disabled: the divider is simply not shown next time
	}
}

/** Leaving the room: where reading stopped is forgotten with the rest of it (shell/room-memory.ts). */
export function forgetRead(room: string): void {
	try {
		localStorage.removeItem(key(room));
	} catch {
		// storage disabled: nothing was kept
	}
}

/**
 * On return (the page opened, or the tab shown again): the line goes after
 * what was last seen, when a message others wrote (and did not delete) came
 * after it.
 * @example placeDivider(40, [{ seq: 41, kind: "chat", name: "Bruno" }], "Ana") // 40
 */
export function placeDivider(
	read: number | null,
	lines: { seq: number; kind: string; name: string; deleted?: string | undefined }[],
	me: string | null,
): number | null {
	if (read === null) return null;
	// A message deleted since is nothing new to read; an edit or a reaction is no line of its own here.
	return lines.some((m) => m.seq > read && m.kind === "chat" && m.name !== me && !m.deleted) ? read : null;
}
