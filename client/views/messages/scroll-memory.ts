/**
 * Where the log was, kept across a reload or a return: the message at the
 * top of the view and how far below the log's edge it sat (nothing when the
 * log was at the bottom, which simply follows new messages). Saved when the
 * page is hidden or left; restored once, when the room's lines first show,
 * loading older pages if the message has scrolled out of the newest one.
 */
import type { RefObject } from "preact";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { ChatMessage } from "../../../protocol";
import { hasMore, loadOlder, myName } from "../../session/chat-store";
import { roomName } from "../../shell/app-store";
import { recall, remember } from "../../shell/room-memory";

/**
 * At most this many older pages (of 50) are loaded to reach the remembered line: with the newest page,
 * they fill the rows the log mounts while it follows (WINDOW_ROWS); a line further back would not be
 * on screen to scroll to, and the log stays at the bottom.
 */
const MAX_PAGES = 2;

/** Call after the log's own layout effect, so that restoring comes after following the bottom. */
export function useScrollMemory(
	ref: RefObject<HTMLElement | null>,
	messages: readonly ChatMessage[],
	atBottomPx: number,
): void {
	const pages = useRef(0);
	const done = useRef(false);

	useEffect(() => {
		const save = () => {
			const el = ref.current;
			if (el && myName.value) remember(roomName, { anchor: anchorOf(el, atBottomPx) });
		};
		const onHidden = () => document.hidden && save();
		addEventListener("pagehide", save);
		document.addEventListener("visibilitychange", onHidden);
		return () => {
			removeEventListener("pagehide", save);
			document.removeEventListener("visibilitychange", onHidden);
		};
	}, []);

	useLayoutEffect(() => {
		const el = ref.current;
		const first = messages[0];
		// Not on the lines this device held (model/held-lines.ts): the room's own page may add rows above them.
		if (done.current || !el || !first || !myName.value) return;
		const anchor = recall(roomName).anchor;
		if (anchor && anchor.seq < first.seq && hasMore.value && pages.current < MAX_PAGES) {
			pages.current += 1;
			void loadOlder();
			return;
		}
		done.current = true;
		if (!anchor) return;
		// The remembered line, or the first after it (a folded join line may have grown since).
		const target = [...el.querySelectorAll<HTMLElement>("[data-seq]")].find((m) => Number(m.dataset.seq) >= anchor.seq);
		if (target) el.scrollTop += target.getBoundingClientRect().top - el.getBoundingClientRect().top - anchor.offset;
	}, [messages]);
}

function anchorOf(el: HTMLElement, atBottomPx: number): { seq: number; offset: number } | undefined {
	if (el.scrollHeight - el.scrollTop - el.clientHeight <= atBottomPx) return undefined;
	const top = el.getBoundingClientRect().top;
	for (const line of el.querySelectorAll<HTMLElement>("[data-seq]")) {
		const box = line.getBoundingClientRect();
		if (box.bottom > top) return { seq: Number(line.dataset.seq), offset: Math.round(box.top - top) };
	}
	return undefined;
}

/** The newest line whose top is inside the scrolled view: what the user has had on screen (model/read-marker.ts). */
export function lastLineOnScreen(view: HTMLElement): number | undefined {
	const bottom = view.getBoundingClientRect().bottom;
	const lines = view.querySelectorAll<HTMLElement>("[data-seq]");
	for (let i = lines.length - 1; i >= 0; i--) {
		const line = lines[i] as HTMLElement;
		if (line.getBoundingClientRect().top < bottom) return Number(line.dataset.seq);
	}
	return undefined;
}
