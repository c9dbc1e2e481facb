/**
 * The one way out, and the room's connection. Every frame the page sends
 * goes through `send`, which applies its kind's rule
 * (model/outbound-rules.ts): whether it goes now, waits on the device (the
 * outbox: what a person wrote or changed, resent with its id after every
 * welcome until the room has it), waits in memory (the latest setting or
 * question), is refused out loud (a moderator's act while not in the room),
 * or is dropped (typing). The room's answers settle the outbox (`settle`,
 * which the chat's store calls for every frame), and each join names the
 * ids still pending to a room that takes them (protocol version 8), so that
 * what the room stored is never shown as not sent.
 */
import { computed, signal } from "@preact/signals";
import { PENDING_IDS_MAX, PENDING_IDS_VERSION, type ServerMessage } from "../../protocol";
import { isDeviceFrame, mayGo, type OutboundFrame, RULES, slotOf } from "../model/outbound-rules";
import {
	forgetSettled,
	HANDED_BACK,
	keepInOutbox,
	loadOutbox,
	type Outbox,
	type PendingChange,
	type PendingMessage,
	type Seen,
	settleOutbox,
	waiting,
} from "../model/outbox";
import { connectRoom, type RoomConnection, type RoomConnectionOptions } from "../net/room-client";
import { roomName } from "../shell/app-store";
import { recall, remember } from "../shell/room-memory";

/** The connection as the page shows it; `out` once a moderator removed this page (it does not come back by itself). */
export type ConnectionStatus = "connecting" | "online" | "reconnecting" | "out";

export const status = signal<ConnectionStatus>("connecting");
/** What this device sent and the room has not yet stored: the device's outbox at first, then this page's. */
export const outbox = signal<Outbox>(loadOutbox(roomName));
/** Messages on their way, shown after the history ("Sending…", or "Not sent" and why). */
export const pending = computed(() => outbox.value.messages);
/** The latest change on its way to each message, by the message's seq: shown on it until the room has it. */
export const changing = computed(() => {
	const byTarget = new Map<number, PendingChange>();
	for (const c of outbox.value.changes) if (c.frame.type !== "title") byTarget.set(c.frame.seq, c);
	return byTarget;
});
/** A message the room refused for now (slow mode, a mute): its text goes back to the composer. */
export const returnedDraft = signal<string | null>(null);
/** An edit the room refused for now: the composer edits the message again, with the edit's text. */
export const returnedEdit = signal<{ seq: number; text: string } | null>(null);
/** Why the page did not do what was just asked (a moderator's act while not in the room). */
export const notSent = signal<string | null>(null);

const NOT_IN_THE_ROOM = "Not done: this page is not connected to the room. Try again once it says Connected.";

let connection: RoomConnection | null = null;
/** The room's version, from its welcome on this page (undefined before one). */
let version: number | undefined;
/** The name the room gave this page in its last welcome; null before one, and once the room refused the name. */
let name: string | null = null;
/** Frames kept as `latest`, by slot, for the next welcome. */
const latest = new Map<string, OutboundFrame>();

const now = () => ({ online: connection !== null && status.value === "online", version: version ?? 1 });

/**
 * Sends `frame` if it may go now; else does with it what its kind's rule
 * says. Returns whether it went.
 * @example send({ type: "typing" }) // false while reconnecting: dropped
 */
export function send(frame: OutboundFrame): boolean {
	const { keep } = RULES[frame.type];
	if (frame.type === "send") keepMessage({ id: frame.id, text: frame.text, as: name, replyTo: frame.replyTo });
	else if (isDeviceFrame(frame)) keepChange({ id: frame.id, frame });
	const goes = mayGo(RULES[frame.type], now());
	if (keep === "latest") {
		if (goes) latest.delete(slotOf(frame));
		else latest.set(slotOf(frame), frame);
	}
	if (keep === "refuse") notSent.value = goes ? null : NOT_IN_THE_ROOM;
	if (goes) connection?.send(frame);
	return goes;
}

function keepMessage({ replyTo, ...message }: PendingMessage): void {
	const kept = replyTo === undefined ? message : { ...message, replyTo };
	keepInOutbox(roomName, { message: kept });
	outbox.value = { ...outbox.value, messages: [...outbox.value.messages, kept] };
}

function keepChange(change: PendingChange): void {
	keepInOutbox(roomName, { change });
	outbox.value = { ...outbox.value, changes: [...outbox.value.changes, change] };
}

/**
 * Takes the room's frame into account, once the chat's store has folded it
 * into the room's state (`seen`): the outbox settles; a welcome sends again
 * all that waits; a refusal for now hands its text back.
 */
export function settle(msg: ServerMessage, seen: Seen): void {
	if (msg.type === "welcome") {
		version = msg.version ?? 1;
		name = msg.name;
		notSent.value = null;
		// Kept for the join after a reload, which comes before any welcome: it names pending ids to a room that takes them.
		remember(roomName, { version });
	} else if (msg.type === "error") {
		if (msg.code === "name_taken" || msg.code === "invalid_name") name = null;
		if (msg.id !== undefined && HANDED_BACK.has(msg.code)) handBack(msg.id);
		if (msg.code === "invalid_frame" && msg.reason.includes('"pending"')) {
			// A room older than version 8 (a deploy rolled back): join again without the ids.
			version = undefined;
			remember(roomName, { version: undefined });
			connection?.rejoin();
		}
	}
	update(settleOutbox(outbox.value, msg, seen));
	if (msg.type === "welcome") flush();
}

function handBack(id: string): void {
	const { messages, changes } = outbox.value;
	const message = messages.find((m) => m.id === id);
	if (message) returnedDraft.value = message.text;
	const change = changes.find((c) => c.id === id)?.frame;
	if (change?.type === "edit") returnedEdit.value = { seq: change.seq, text: change.text };
}

/**
 * Sends again, with its id, everything that waits: each message only under
 * the name it was written under (else it is marked not sent), each change
 * and the latest settings to a room whose version knows them. After a
 * welcome, and once a rate limit allows.
 */
export function flush(): void {
	const room = now();
	if (!room.online || name === null) return;
	const before = outbox.value.messages;
	const messages = before.map((p) => {
		if (!waiting(p)) return p;
		if (p.as && p.as !== name) return { ...p, error: `it was written as ${p.as}` };
		const { id, text, replyTo } = p;
		connection?.send(replyTo === undefined ? { type: "send", id, text } : { type: "send", id, text, replyTo });
		return p;
	});
	if (messages.some((m, i) => m !== before[i])) update({ ...outbox.value, messages });
	for (const c of outbox.value.changes) {
		if (c.seq === undefined && mayGo(RULES[c.frame.type], room)) connection?.send(c.frame);
	}
	for (const frame of latest.values()) if (mayGo(RULES[frame.type], room)) connection?.send(frame);
	latest.clear();
}

/** The outbox as it now is, on the device too (what settled leaves the device). */
function update(next: Outbox): void {
	if (next === outbox.value) return;
	forgetSettled(roomName, outbox.value, next);
	outbox.value = next;
}

/**
 * The ids a join names as pending, oldest first (at most PENDING_IDS_MAX), to a room known to take them:
 * from this page's welcome or, after a reload, the last one this device had.
 */
function pendingIds(): string[] | undefined {
	if ((version ?? recall(roomName).version ?? 1) < PENDING_IDS_VERSION) return undefined;
	const { messages, changes } = outbox.value;
	const ids = [...messages.filter(waiting), ...changes.filter((c) => c.seq === undefined)].map((p) => p.id);
	return ids.length > 0 ? ids.slice(0, PENDING_IDS_MAX) : undefined;
}

/** Opens the room's connection: once per page, and again for another name. */
export function connect(options: Omit<RoomConnectionOptions, "onStatus" | "pending">): void {
	connection = connectRoom({
		...options,
		pending: pendingIds,
		onStatus: (s) => {
			status.value = s;
		},
		onRemoved: (code, reason) => {
			status.value = "out";
			options.onRemoved?.(code, reason);
		},
	});
}

/** Asks the room again on the open connection, under `as` (after it refused a name); false when there is none. */
export function rejoin(as: string): boolean {
	connection?.rejoin(as);
	return connection !== null;
}

/** Closes the connection on purpose (leaving, another name): nothing more goes out on it. */
export function disconnect(): void {
	connection?.close();
	connection = null;
}

/** The page left the room: only what the device keeps of it remains, to go out when the room is opened again. */
export function leave(): void {
	disconnect();
	version = undefined;
	name = null;
	latest.clear();
	outbox.value = loadOutbox(roomName);
	status.value = "connecting";
}
