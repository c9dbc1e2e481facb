/**
 * Where this device stopped reading, per room: the last seq it showed the
 * user (kept in localStorage), and the "New messages" line drawn after it on
 * return. A line counts as shown when it was on screen in a visible tab.
 */
import { signal } from "@preact/signals";
import { readKey as key } from "./room-memory";

/** The seq the "New messages" line follows, while there is one. */
export const dividerAfter = signal<number | null>(null);

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

/** The newest line whose top is inside the scrolled view: what the user has had on screen. */
export function lastLineOnScreen(view: HTMLElement): number | undefined {
	const bottom = view.getBoundingClientRect().bottom;
	const lines = view.querySelectorAll<HTMLElement>("[data-seq]");
	for (let i = lines.length - 1; i >= 0; i--) {
		const line = lines[i] as HTMLElement;
		if (line.getBoundingClientRect().top < bottom) return Number(line.dataset.seq);
	}
	return undefined;
}
