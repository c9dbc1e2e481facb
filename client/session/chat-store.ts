/**
 * The chat's state as signals, and the actions the components call. The
 * socket is opened here, never in a component, through the one way out
 * (outbound.ts), which every frame the page sends goes through: frames fold
 * into `room` through `applyServerMessage`, and settle what is on its way.
 * Components read the slices (`messages`, `online`, `typing`...), not `room`:
 * a slice tells its readers only when it changes, so a typing frame does not
 * re-render the history, and a message does not re-render the header.
 * Part of the chat chunk; what the first screen needs is in shell/app-store.ts.
 */
import { computed, signal } from "@preact/signals";
import {
	type ChatMessage,
	CLOSE_BANNED,
	isChange,
	type Line,
	PROTOCOL_VERSION,
	type ServerMessage,
	USER_KEY_HEADER,
} from "../../protocol";
import { timeOf } from "../model/format";
import { forgetHeld, heldLines, holdLines, writeHeld } from "../model/held-lines";
import { HANDED_BACK } from "../model/outbox";
import { forgetRead, placeDivider, readSeq } from "../model/read-marker";
import {
	applyServerMessage,
	hasGap,
	initialRoomState,
	prependHistory,
	type RoomState,
	syncAfter,
	typingNames,
} from "../model/room-state";
import {
	clearUnread,
	joined,
	joining,
	readStorage,
	roomError,
	roomName,
	screen,
	writeStorage,
} from "../shell/app-store";
import { forget } from "../shell/room-memory";
import { roomTitle } from "../shell/room-name";
import { secretFor } from "../shell/room-secrets";
import { badgeUnread } from "./favicon-badge";
import { applyModerationFrame, noteRemoval } from "./moderation-state";
import { linesWhileHidden, loadNotifySettings, notifyLevel, notifyPreview, permission, seen } from "./notifications";
import { connect, disconnect, flush, leave, rejoin, send, settle } from "./outbound";

const USER_KEY = "hashzap:user";

/**
 * The lines this device held when it was last here show until the room's first welcome replaces them
 * (lastSeq stays 0: the join asks for a fresh page): a page opened offline shows the conversation.
 */
export const room = signal({ ...initialRoomState(roomName), messages: heldLines(roomName) });
export const now = signal(Date.now());
export const loadingOlder = signal(false);
/** A line to bring into view and focus (from a notification, or a link to a message): the list jumps to it. */
export const focusLine = signal<number | null>(null);
/** Said politely to screen readers: someone edited or deleted a message (not a new message, so not in the log). */
export const announcement = signal("");
/** The seq the "New messages" line follows, while there is one (model/read-marker.ts says where it goes). */
export const dividerAfter = signal<number | null>(null);

// The slices components read. Each is the same object until its part of the state changes.
export const myName = computed(() => room.value.name);
export const messages = computed(() => room.value.messages);
export const online = computed(() => room.value.online);
export const hasMore = computed(() => room.value.hasMore);
export const holes = computed(() => room.value.holes);
export const title = computed(() => room.value.title);
/** What the room is called on screen: its title, or its name. */
export const displayTitle = computed(() => roomTitle(roomName, title.value.text));
const typingUntil = computed(() => room.value.typing);
/** Names typing now, except this user's: recomputed on typing frames and their expiry, not on every frame. */
export const typing = computed(() => typingNames({ typing: typingUntil.value, name: myName.value }, now.value));

/** The one place the room's state changes; its error is also the dialog's (shell/app-store.ts). */
export function setRoom(next: RoomState): void {
	if (next.messages !== room.value.messages && next.name) holdLines(next.room, next.messages);
	room.value = next;
	roomError.value = next.error;
}

/**
 * Starts what the session does for as long as the page is open, whatever
 * the screen: the favicon follows the unread counts, the held lines are
 * written when the page goes away, a notification's click may point the tab
 * at another line, and coming back to the tab reads what was unread. Called
 * once, as the chat's chunk arrives (views/chat.ts), never by importing this.
 */
export function startSession(): void {
	badgeUnread();
	// What is held is written at once when the page goes away.
	addEventListener("pagehide", writeHeld);
	document.addEventListener("visibilitychange", () => document.hidden && writeHeld());
	addEventListener("hashchange", showLinkedLine);
	document.addEventListener("visibilitychange", backToTab);
}

/** Whether this page has had the room's welcome (roomOpened ran). */
let opened = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Refused at the door or banned: the lines this device held (model/held-lines.ts),
 * shown until a welcome replaces them, go, as the room no longer shows this
 * person its conversation.
 */
function shutOut(): void {
	forgetHeld(roomName);
	if (room.value.messages.length > 0) setRoom({ ...room.value, messages: [], hasMore: false });
}

/** Asks the room to let this user in under `name` (again, after it refused one); the dialog stays until the room says yes. */
export function joinRoom(name: string): void {
	setRoom({ ...room.value, error: null });
	if (rejoin(name)) return;
	connect({
		room: roomName,
		name,
		user: userKey(),
		// 0 until a welcome came on this page; from then on a rejoin, under any name, continues from what it holds.
		lastSeq: () => room.value.lastSeq || undefined,
		onFrame,
		secret: () => secretFor(roomName),
		onRemoved: (code, reason) => {
			joining.value = false;
			noteRemoval(code, reason);
			// A kicked person may come back, so what they saw stays; a banned one may not.
			if (code === CLOSE_BANNED) shutOut();
		},
	});
}

function onFrame(msg: ServerMessage): void {
	const before = room.value;
	let after = applyServerMessage(before, msg, Date.now());
	if (msg.type === "error" && HANDED_BACK.has(msg.code))
		after = { ...after, error: { code: msg.code, reason: forNow(msg) } };
	setRoom(after);
	// What was on its way settles (and after a welcome goes again) before anything new is sent.
	settle(msg, after);
	applyModerationFrame(msg);
	if (msg.type === "welcome") {
		joined(msg.name);
		// Once per page: a reconnect that replaces the list is not the user coming back.
		if (!opened) {
			opened = true;
			roomOpened();
		}
	}
	if (msg.type === "error" && (msg.code === "room_locked" || msg.code === "banned") && !after.name) {
		joining.value = false;
		shutOut();
		return;
	}
	if (msg.type === "error" && (msg.code === "name_taken" || msg.code === "invalid_name")) {
		// A refused name (also after a long absence, if someone took it): ask again; the socket stays open.
		joining.value = false;
		screen.value = "dialog";
		setRoom({ ...after, name: null });
		return;
	}
	if (msg.type === "message" || msg.type === "messages") {
		const lines = msg.type === "message" ? [msg.message] : msg.messages;
		if (document.hidden) linesWhileHidden(after.room, lines, after.name, showLine);
		announceChanges(lines, after.name);
	}
	if (msg.type === "error" && msg.code === "rate_limited" && retryTimer === undefined) {
		// Whatever was refused is still on its way: send it again, once, when the room allows.
		retryTimer = setTimeout(
			() => {
				retryTimer = undefined;
				flush();
				// A refused sync too: a long resume comes page by page, at the pace the room allows.
				if (hasGap(room.value)) send({ type: "sync", since: room.value.lastSeq });
			},
			(msg.retryAfter ?? 1) * 1000,
		);
	}
	const since = syncAfter(before, after, msg);
	if (since !== undefined) send({ type: "sync", since });
	if (msg.type === "typing") scheduleTypingExpiry();
}

/** The room's reason for refusing something for now (slow mode, a mute), with when it ends in the reader's own time. */
function forNow(msg: Extract<ServerMessage, { type: "error" }>): string {
	if (msg.code === "muted" && msg.until) return `You are muted until ${timeOf(msg.until)}`;
	return msg.until ? `${msg.reason} (at ${new Date(msg.until).toLocaleTimeString()})` : msg.reason;
}

/** Sends a message (maybe a reply): shown at once as pending, delivered once even across reconnects and reloads. */
export function sendMessage(text: string, replyTo?: number): void {
	const id = crypto.randomUUID();
	send(replyTo === undefined ? { type: "send", id, text } : { type: "send", id, text, replyTo });
	lastTypingSent = 0;
}

/** Others' edits and deletes, said once each; a change of one's own is not news to oneself. */
function announceChanges(lines: Line[], me: string | null): void {
	const said = lines.flatMap((l) =>
		isChange(l) && l.kind !== "react" && l.name !== me
			? [`${l.name} ${l.kind === "edit" ? "edited" : "deleted"} a message`]
			: [],
	);
	if (said.length > 0) announcement.value = said.join(". ");
}

let lastTypingSent = 0;
/** Tells the room this user is typing, at most every two seconds. */
export function noteTyping(): void {
	const t = Date.now();
	if (t - lastTypingSent < 2000) return;
	if (send({ type: "typing" })) lastTypingSent = t;
}

let typingTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleTypingExpiry(): void {
	now.value = Date.now();
	const next = Math.min(...Object.values(room.value.typing).filter((t) => t > now.value));
	clearTimeout(typingTimer);
	if (Number.isFinite(next)) typingTimer = setTimeout(scheduleTypingExpiry, next - now.value + 10);
}

/** Loads the page of history before the oldest message shown. */
export async function loadOlder(): Promise<void> {
	const first: ChatMessage | undefined = room.value.messages[0];
	if (!room.value.hasMore || loadingOlder.value || !first) return;
	loadingOlder.value = true;
	try {
		const res = await fetch(
			`/api/rooms/${encodeURIComponent(room.value.room)}/messages?before=${first.seq}&limit=50&v=${PROTOCOL_VERSION}`,
			historyInit(),
		);
		if (!res.ok) return;
		const page = (await res.json()) as { messages: ChatMessage[]; hasMore: boolean };
		// A reconnect may have replaced the list meanwhile: the page continues only the list it was asked for.
		if (room.value.messages[0]?.seq !== first.seq) return;
		setRoom(prependHistory(room.value, page.messages, page.hasMore));
	} finally {
		loadingOlder.value = false;
	}
}

/** Most older lines loaded to reach a line further back (20 pages). */
const REACH_BACK_MAX = 1000;

/** Loads older pages until the line after `seq` is shown, if it is still kept. */
async function reachBack(seq: number): Promise<void> {
	const start = room.value.messages.length;
	while (room.value.hasMore && (room.value.messages[0]?.seq ?? 0) > seq + 1) {
		if (room.value.messages.length - start >= REACH_BACK_MAX) return;
		const before = room.value.messages.length;
		await loadOlder();
		if (room.value.messages.length === before) return;
	}
}

/**
 * The page opened the room: its notification setting, the "New messages"
 * line after what this device last showed (history loaded back to it), or
 * the line a link or a notification pointed at (`#seq-61`).
 */
function roomOpened(): void {
	const { room: name, messages } = room.value;
	loadNotifySettings(name);
	// The shell for offline use, and push when it is on: loaded only now that the chat is open.
	void import("./sw-registration").then((m) => m.registerServiceWorker());
	if (notifyLevel.value !== "off" && permission.value === "granted") {
		void import("./push-subscription").then((m) =>
			m.syncPushSubscription(notifyLevel.value, notifyPreview.value, send),
		);
	}
	const linked = /^#seq-(\d+)$/.exec(location.hash);
	if (linked) {
		history.replaceState(null, "", location.pathname);
		showLine(Number(linked[1]));
		return;
	}
	dividerAfter.value = placeDivider(readSeq(name), messages, room.value.name);
	if (dividerAfter.value !== null) void reachBack(dividerAfter.value);
}

/** A notification's click (the service worker's) may point an open tab at another line. */
function showLinkedLine(): void {
	const linked = /^#seq-(\d+)$/.exec(location.hash);
	if (!linked || screen.value !== "chat") return;
	history.replaceState(null, "", location.pathname);
	showLine(Number(linked[1]));
}

/** Back to the tab: the room's notification goes, and the "New messages" line goes after what was last seen. */
function backToTab(): void {
	if (document.hidden || screen.value !== "chat") return;
	seen();
	clearUnread();
	dividerAfter.value = placeDivider(readSeq(room.value.room), room.value.messages, room.value.name);
}

/** Brings a line into view and focuses it: the list jumps to it as to a reply's original (message-actions.ts's jumpTo). */
function showLine(seq: number): void {
	focusLine.value = seq;
}

/** Leaves the room and forgets it here: the socket closes (the room says "left" after its grace period). */
export function leaveRoom(): void {
	// Nothing more is pushed to this device from a room it left.
	send({ type: "unsubscribe" });
	leave();
	forgetHeld(roomName);
	forgetRead(roomName);
	forget(roomName);
	setRoom(initialRoomState(roomName));
	screen.value = "landing";
}

/** Joins again under another name, on a new socket that resumes where this one was; the old name leaves. */
export function changeName(name: string): void {
	disconnect();
	joinRoom(name);
}

/** Asks the room to show this title; only the room's creator may set it, and the room decides. */
export function setRoomTitle(text: string): void {
	send({ type: "title", id: crypto.randomUUID(), text });
}

/** A history request carries this device's key: a locked room shows its history only to devices that have been in it. */
export const historyInit = (): RequestInit => ({ headers: { [USER_KEY_HEADER]: userKey() } });

/** A random key this device keeps: the room counts two tabs with it as one person. */
function userKey(): string {
	let key = readStorage(USER_KEY);
	if (!key) {
		key = crypto.randomUUID();
		writeStorage(USER_KEY, key);
	}
	return key;
}
