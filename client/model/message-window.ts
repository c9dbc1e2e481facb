/**
 * Which lines of a long history are mounted as rows. The client holds every
 * line it has loaded, but the page keeps a bounded run of them in the DOM:
 * the newest while it follows the conversation, a run that moves by steps
 * while the reader scrolls through older ones. The run is named by seqs, so
 * it stays where it is when an older page is put in front or new lines come.
 * Pure: no DOM here.
 */
import type { ChatMessage } from "../../protocol";
import { firstIndexAfter } from "./room-state";

/** Rows mounted while following the newest lines, at least (up to a step more). */
export const WINDOW_ROWS = 100;
/** Rows mounted or dropped at a time when the reader reaches either end of the run. */
export const WINDOW_STEP = 50;
/** Most rows mounted: while the reader is scrolled up, new lines are added below up to this. */
export const WINDOW_MAX = WINDOW_ROWS + 2 * WINDOW_STEP;

export interface MessageWindow {
	/** Seq of the first mounted line; null: the newest lines (WINDOW_ROWS, up to a step more). */
	top: number | null;
	/** Seq of the last mounted line; null: through the newest. */
	bottom: number | null;
}

/** The newest lines, as new ones come. */
export const FOLLOW: MessageWindow = { top: null, bottom: null };

/**
 * The mounted lines as indexes [from, to) into `messages`.
 * @example windowRange(messages, FOLLOW) // [length - 100, length] when length is a multiple of 50
 */
export function windowRange(messages: readonly ChatMessage[], w: MessageWindow): [number, number] {
	const to = w.bottom === null ? messages.length : firstIndexAfter(messages, w.bottom);
	if (w.top === null) {
		// Rows above are dropped a step at a time, not one per new line: most lines only add a row.
		const from = Math.max(0, to - WINDOW_ROWS);
		return [from - (from % WINDOW_STEP), to];
	}
	const from = Math.min(firstIndexAfter(messages, w.top - 1), to);
	return [from, Math.min(to, from + WINDOW_MAX)];
}

/** The run as it is shown now, held there: what the reader sees stays put while new lines come below. */
export function hold(messages: readonly ChatMessage[], [from, to]: [number, number]): MessageWindow {
	return { top: messages[from]?.seq ?? null, bottom: to >= messages.length ? null : seqAt(messages, to - 1) };
}

/** The run moved up by a step, dropping rows at its bottom beyond WINDOW_MAX; null when it shows the first line held. */
export function earlier(messages: readonly ChatMessage[], [from, to]: [number, number]): MessageWindow | null {
	if (from === 0) return null;
	const top = Math.max(0, from - WINDOW_STEP);
	const end = Math.min(to, top + WINDOW_MAX);
	return { top: seqAt(messages, top), bottom: end >= messages.length ? null : seqAt(messages, end - 1) };
}

/** The run moved down by a step, dropping rows at its top beyond WINDOW_MAX; null when it shows the newest line. */
export function later(messages: readonly ChatMessage[], [from, to]: [number, number]): MessageWindow | null {
	if (to >= messages.length) return null;
	const end = Math.min(messages.length, to + WINDOW_STEP);
	const top = Math.max(from, end - WINDOW_MAX);
	return { top: seqAt(messages, top), bottom: end >= messages.length ? null : seqAt(messages, end - 1) };
}

/** The run around the line at index `i`, a step either side: where a jump to a line far from the rows shown lands. */
export function around(messages: readonly ChatMessage[], i: number): MessageWindow {
	const top = Math.max(0, i - WINDOW_STEP);
	const end = Math.min(messages.length, i + WINDOW_STEP + 1);
	return { top: seqAt(messages, top), bottom: end >= messages.length ? null : seqAt(messages, end - 1) };
}

export function sameWindow(a: MessageWindow, b: MessageWindow): boolean {
	return a.top === b.top && a.bottom === b.bottom;
}

function seqAt(messages: readonly ChatMessage[], i: number): number {
	return (messages[i] as ChatMessage).seq;
}
