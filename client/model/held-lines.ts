/**
 * The room's newest lines, kept on this device so that the page opens with
 * them when the room cannot be reached (the service worker serves the page;
 * this serves the conversation). Only for showing: the first welcome
 * replaces them, so nothing here ever stands in for what the room says.
 * Written a moment after lines change and when the page is hidden or left;
 * forgotten with the rest of the room (shell/room-memory.ts).
 */
import type { ChatMessage } from "../../protocol";

const heldKey = (room: string) => `hashzap:lines:${room}`;

/** At most this many of the newest lines, and this many characters of them: localStorage is small. */
const MAX_LINES = 50;
const MAX_CHARS = 100_000;
const WRITE_AFTER_MS = 500;

export function heldLines(room: string): ChatMessage[] {
	try {
		// The device's own data, written by this page's code.
		const lines = JSON.parse(localStorage.getItem(heldKey(room)) ?? "[]") as ChatMessage[];
		return Array.isArray(lines) ? lines : [];
	} catch {
		return [];
	}
}

let timer: ReturnType<typeof setTimeout> | undefined;
let latest: { room: string; lines: readonly ChatMessage[] } | null = null;

/** Keeps the newest lines soon; several changes in a row cost one write. */
export function holdLines(room: string, lines: readonly ChatMessage[]): void {
	if (lines.length === 0) return;
	latest = { room, lines };
	timer ??= setTimeout(writeHeld, WRITE_AFTER_MS);
}

/** Writes what `holdLines` was given now (the page is being hidden or left). */
export function writeHeld(): void {
	clearTimeout(timer);
	timer = undefined;
	if (!latest) return;
	const { room, lines } = latest;
	latest = null;
	let kept = lines.slice(-MAX_LINES);
	let json = JSON.stringify(kept);
	while (json.length > MAX_CHARS && kept.length > 1) {
		kept = kept.slice(Math.ceil(kept.length / 2));
		json = JSON.stringify(kept);
	}
	try {
		localStorage.setItem(heldKey(room), json);
	} catch {
		// storage full or off: the page opens offline with no lines, as before
	}
}

/** Nothing more is written for the room. */
function dropHeld(): void {
	clearTimeout(timer);
	timer = undefined;
	latest = null;
}

/** Shut out of the room (banned), or left it: its lines are no longer this device's to show, offline or not. */
export function forgetHeld(room: string): void {
	dropHeld();
	try {
		localStorage.removeItem(heldKey(room));
	} catch {
		// storage off: nothing was held
	}
}
