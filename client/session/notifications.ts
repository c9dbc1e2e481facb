/**
 * Telling the user what matters while they look elsewhere: the per-room,
 * per-device setting (All messages, Mentions, Off), the system notification
 * and a short sound for a matching line while the tab is hidden, and the
 * unread counts the tab's title and favicon show (shell/tab-badge.ts). Only a
 * new message is told of: an edit or a reaction is not (an edit may still
 * make a counted message a mention, or no longer one), and a deleted message
 * no longer counts.
 * Permission is asked for only from the Notifications control, in the
 * user's gesture, never on load.
 */
import { signal } from "@preact/signals";
import { type Change, type ChatMessage, isChange, type Line, type NotifyLevel } from "../../protocol";
import { mentionsMe } from "../model/mention-complete";
import { unread } from "../shell/app-store";
import { unreadMentions } from "../shell/tab-badge";

const levelKey = (room: string) => `hashzap:notify:${room}`;
const previewKey = (room: string) => `hashzap:notify-preview:${room}`;

export const notifyLevel = signal<NotifyLevel>("mentions");
/** Whether notifications may show the text of a message (a push shows only the room and sender without it). */
export const notifyPreview = signal(false);
/** The browser's answer to the permission request, as far as this page knows it. */
export const permission = signal<NotificationPermission | "unsupported">(
	typeof Notification === "undefined" ? "unsupported" : Notification.permission,
);

/** Reads this room's setting on this device: Mentions unless the user chose otherwise. */
export function loadNotifySettings(room: string): void {
	const stored = read(levelKey(room));
	notifyLevel.value = stored === "all" || stored === "off" ? stored : "mentions";
	notifyPreview.value = read(previewKey(room)) === "1";
}

/**
 * Sets this room's level, from the control: the one place that asks the
 * browser for permission, inside the user's gesture.
 */
export async function chooseLevel(room: string, level: NotifyLevel): Promise<void> {
	notifyLevel.value = level;
	write(levelKey(room), level);
	unlockSound();
	if (level !== "off" && typeof Notification !== "undefined" && Notification.permission === "default") {
		permission.value = await Notification.requestPermission();
	}
}

export function choosePreview(room: string, preview: boolean): void {
	notifyPreview.value = preview;
	write(previewKey(room), preview ? "1" : "0");
}

/** Whether a line is one the user asked to be told of. */
export function matches(line: ChatMessage, me: string | null, level: NotifyLevel): boolean {
	if (line.kind !== "chat" || line.name === me || level === "off") return false;
	return level === "all" || mentionsMe(line, me);
}

let shown: { notification: Notification; count: number } | null = null;
/** The messages the unread counts hold (since they were last cleared), and whether each mentions the user. */
const counted = new Map<number, boolean>();

/**
 * New lines arrived while the tab is hidden: counts new messages for the
 * title, and for those that match the setting shows one system notification
 * per room (updated, not stacked) and plays a short sound. A change to a
 * counted message counts again (a delete takes it out) but notifies no one.
 */
export function linesWhileHidden(room: string, lines: Line[], me: string | null, jump: (seq: number) => void) {
	// The counts were cleared (the tab was shown): what they held is read.
	if (unread.value === 0) counted.clear();
	let newest: ChatMessage | undefined;
	let count = 0;
	for (const line of lines) {
		if (isChange(line)) {
			recount(line, me);
			continue;
		}
		if (line.kind !== "chat" || line.name === me || line.deleted) continue;
		counted.set(line.seq, mentionsMe(line, me));
		if (matches(line, me, notifyLevel.value)) {
			newest = line;
			count += 1;
		}
	}
	unread.value = counted.size;
	unreadMentions.value = [...counted.values()].filter(Boolean).length;
	// Everything it told of was deleted: nothing is left to tell.
	if (counted.size === 0) seen();
	if (!newest || typeof Notification === "undefined" || Notification.permission !== "granted") return;
	const total = (shown?.count ?? 0) + count;
	const text = newest.text.length > 120 ? `${newest.text.slice(0, 120)}…` : newest.text;
	const notification = new Notification(total > 1 ? `${newest.name} · ${total} new messages` : newest.name, {
		body: text,
		// One per room: a new one replaces the last instead of stacking up.
		tag: `hashzap:${room}`,
		icon: "/icons/icon-192.png",
		data: { room, seq: newest.seq },
	});
	const seq = newest.seq;
	notification.onclick = () => {
		window.focus();
		jump(seq);
		notification.close();
	};
	shown = { notification, count: total };
	playChime();
}

/** A counted message changed: deleted, it counts no more; edited, it may have become a mention or stopped being one. */
function recount(change: Change, me: string | null): void {
	if (!counted.has(change.target)) return;
	if (change.deleted) counted.delete(change.target);
	else if (change.kind === "edit") counted.set(change.target, mentionsMe(change, me));
}

/** The tab is shown again: the room's notification goes (the counts start over in app-store's clearUnread). */
export function seen(): void {
	shown?.notification.close();
	shown = null;
}

let audio: AudioContext | null = null;

/** Makes the sound context in a user gesture, so that it may play later from a hidden tab. */
function unlockSound(): void {
	try {
		audio ??= new AudioContext();
		void audio.resume();
	} catch {
		audio = null;
	}
}

/** A short two-note chime, made with WebAudio rather than shipped as a file. */
export function playChime(): void {
	try {
		audio ??= new AudioContext();
		const ctx = audio;
		const start = ctx.currentTime;
		const gain = ctx.createGain();
		gain.connect(ctx.destination);
		gain.gain.setValueAtTime(0.0001, start);
		gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
		gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
		for (const [i, freq] of [880, 1320].entries()) {
			const tone = ctx.createOscillator();
			tone.type = "sine";
			tone.frequency.value = freq;
			tone.connect(gain);
			tone.start(start + i * 0.09);
			tone.stop(start + 0.35);
		}
	} catch {
		// no sound where WebAudio is missing or blocked
	}
}

function read(key: string): string | null {
	try {
		return localStorage.getItem(key);
	} catch {
		return null;
	}
}

function write(key: string, value: string): void {
	try {
		localStorage.setItem(key, value);
	} catch {
		// storage disabled: the setting lasts for this page
	}
}
