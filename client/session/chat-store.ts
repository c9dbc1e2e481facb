/**
 * The chat's state as signals, and the actions the components call. The
 * socket lives here, never in a component: frames fold into `room` through
 * `applyServerMessage`, and sends wait in `pending`, and on the device in the
 * outbox, until the room confirms.
 * Components read the slices (`messages`, `online`, `typing`...), not `room`:
 * a slice tells its readers only when it changes, so a typing frame does not
 * re-render the history, and a message does not re-render the header.
 * Part of the chat chunk; what the first screen needs is in shell/app-store.ts.
 */
import { computed, signal } from "@preact/signals";
import {
	ATTENTION_VERSION,
	type ChatMessage,
	CLOSE_BANNED,
	type ClientMessage,
	isChange,
	type Line,
	PROTOCOL_VERSION,
	type ServerMessage,
	USER_KEY_HEADER,
} from "../../protocol";
import { timeOf } from "../model/format";
import { forgetHeld, heldLines, holdLines, writeHeld } from "../model/held-lines";
import { keepInOutbox, loadOutbox, settleOutbox } from "../model/outbox";
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
import { connectRoom, type RoomConnection } from "../net/room-client";
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
import { applyModerationFrame, connectModeration, noteRemoval } from "./moderation-state";
import { linesWhileHidden, loadNotifySettings, notifyLevel, notifyPreview, permission, seen } from "./notifications";
import type { PushFrame } from "./push-subscription";

export type ConnectionStatus = "connecting" | "online" | "reconnecting";

const USER_KEY = "hashzap:user";

export const status = signal<ConnectionStatus>("connecting");
/** What was sent from this device and not yet stored comes back as pending, to be sent after the welcome. */
/**
 * The lines this device held when it was last here show until the room's first welcome replaces them
 * (lastSeq stays 0: the join asks for a fresh page): a page opened offline shows the conversation.
 */
export const room = signal({
	...initialRoomState(roomName),
	messages: heldLines(roomName),
	pending: loadOutbox(roomName),
});
export const now = signal(Date.now());
/** Text the room refused (slow mode, a mute), handed back to the composer so nothing typed is lost. */
export const returnedDraft = signal<string | null>(null);
export const loadingOlder = signal(false);
/** A line to bring into view and focus (from a notification, or a link to a message): the list jumps to it. */
export const focusLine = signal<number | null>(null);
/** Said politely to screen readers: someone edited or deleted a message (not a new message, so not in the log). */
export const announcement = signal("");
/** The seq the "New messages" line follows, while there is one (model/read-marker.ts says where it goes). */
export const dividerAfter = signal<number | null>(null);

/** An edit, delete or reaction, as sent. */
export type ChangeFrame = Extract<ClientMessage, { type: "edit" | "delete" | "react" }>;
/** Changes sent and not yet answered: sent again, with the same id, after a reconnect (the room applies each once). */
const unanswered = new Map<string, ChangeFrame>();

// The slices components read. Each is the same object until its part of the state changes.
export const myName = computed(() => room.value.name);
export const messages = computed(() => room.value.messages);
export const pending = computed(() => room.value.pending);
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

let connection: RoomConnection | null = null;
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
	if (connection) {
		connection.rejoin(name);
		return;
	}
	connection = connectRoom({
		room: roomName,
		name,
		user: userKey(),
		// 0 until a welcome came on this page; from then on a rejoin, under any name, continues from what it holds.
		lastSeq: () => room.value.lastSeq || undefined,
		onFrame,
		onStatus: (s) => {
			status.value = s;
		},
		secret: () => secretFor(roomName),
		onRemoved: (code, reason) => {
			joining.value = false;
			noteRemoval(code, reason);
			// A kicked person may come back, so what they saw stays; a banned one may not.
			if (code === CLOSE_BANNED) shutOut();
		},
	});
	connectModeration(roomName, (frame) => connection?.send(frame));
}

function onFrame(msg: ServerMessage): void {
	applyModerationFrame(msg);
	if ((msg.type === "ack" || msg.type === "error") && msg.id !== undefined) unanswered.delete(msg.id);
	const before = room.value;
	let after = applyServerMessage(before, msg, Date.now());
	if (msg.type === "error" && (msg.code === "slow_mode" || msg.code === "muted")) after = handBack(after, msg);
	setRoom(after);
	if (after.pending !== before.pending) settleOutbox(after.room, before.pending, after.pending);
	if (msg.type === "welcome") {
		joined(msg.name);
		flushPending();
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
		// Whatever was refused is still pending: send it again, once, when the room allows.
		retryTimer = setTimeout(
			() => {
				retryTimer = undefined;
				flushPending();
				// A refused sync too: a long resume comes page by page, at the pace the room allows.
				if (hasGap(room.value)) connection?.send({ type: "sync", since: room.value.lastSeq });
			},
			(msg.retryAfter ?? 1) * 1000,
		);
	}
	const since = syncAfter(before, after, msg);
	if (since !== undefined) connection?.send({ type: "sync", since });
	if (msg.type === "typing") scheduleTypingExpiry();
}

/**
 * A send the room refused for now (slow mode, a mute): the message leaves
 * the pending list and its text goes back to the composer, with the room's
 * reason in the reader's own time.
 */
function handBack(state: RoomState, msg: Extract<ServerMessage, { type: "error" }>): RoomState {
	const refused = state.pending.find((p) => p.id === msg.id);
	if (refused) returnedDraft.value = refused.text;
	const reason =
		msg.code === "muted" && msg.until
			? `You are muted until ${timeOf(msg.until)}`
			: msg.until
				? `${msg.reason} (at ${new Date(msg.until).toLocaleTimeString()})`
				: msg.reason;
	return { ...state, pending: state.pending.filter((p) => p.id !== msg.id), error: { code: msg.code, reason } };
}

/** Sends a message (maybe a reply): shown at once as pending, delivered once even across reconnects. */
export function sendMessage(text: string, replyTo?: number): void {
	const id = crypto.randomUUID();
	const message = { id, text, as: room.value.name, ...(replyTo !== undefined && { replyTo }) };
	keepInOutbox(room.value.room, message);
	setRoom({ ...room.value, pending: [...room.value.pending, message] });
	lastTypingSent = 0;
	if (status.value === "online") connection?.send(sendFrame(id, text, replyTo));
}

const sendFrame = (id: string, text: string, replyTo?: number): ClientMessage =>
	replyTo === undefined ? { type: "send", id, text } : { type: "send", id, text, replyTo };

/** Sends an edit, delete or reaction: once answered it shows as a line of the room, for everyone alike. */
export function sendChange(frame: ChangeFrame): void {
	unanswered.set(frame.id, frame);
	if (status.value === "online") connection?.send(frame);
}

/**
 * Sends every unconfirmed message again, with its original id, so the room
 * stores each once; but only under the name it was written under. Then every
 * unanswered change, which the room likewise applies once.
 */
function flushPending(): void {
	const { name, pending } = room.value;
	if (!name) return;
	const next = pending.map((p) => {
		if (p.seq !== undefined || p.error !== undefined) return p;
		if (p.as && p.as !== name) return { ...p, error: `it was written as ${p.as}` };
		connection?.send(sendFrame(p.id, p.text, p.replyTo));
		return p;
	});
	settleOutbox(room.value.room, pending, next);
	setRoom({ ...room.value, pending: next });
	for (const frame of unanswered.values()) connection?.send(frame);
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
	if (t - lastTypingSent < 2000 || status.value !== "online") return;
	lastTypingSent = t;
	connection?.send({ type: "typing" });
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
			m.syncPushSubscription(notifyLevel.value, notifyPreview.value, tellPush),
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

/** Tells the room about this device's push subscription (push-subscription.ts), when its version knows of them. */
export function tellPush(frame: PushFrame): void {
	sendControl(frame, ATTENTION_VERSION);
}

/** Sends a control frame (a push subscription) when the room's version knows it. */
export function sendControl(frame: ClientMessage, since: number): boolean {
	if (room.value.version < since || status.value !== "online" || !connection) return false;
	connection.send(frame);
	return true;
}

/** Leaves the room and forgets it here: the socket closes (the room says "left" after its grace period). */
export function leaveRoom(): void {
	// Nothing more is pushed to this device from a room it left.
	sendControl({ type: "unsubscribe" }, ATTENTION_VERSION);
	connection?.close();
	connection = null;
	forgetHeld(roomName);
	forgetRead(roomName);
	forget(roomName);
	setRoom({ ...initialRoomState(roomName), pending: loadOutbox(roomName) });
	status.value = "connecting";
	screen.value = "landing";
}

/** Joins again under another name, on a new socket that resumes where this one was; the old name leaves. */
export function changeName(name: string): void {
	connection?.close();
	connection = null;
	joinRoom(name);
}

/** Asks the room to show this title; only the room's creator may set it, and the room decides. */
export function setRoomTitle(text: string): void {
	connection?.send({ type: "title", id: crypto.randomUUID(), text });
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
