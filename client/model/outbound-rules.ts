/**
 * How each kind of frame leaves the page: the room version that knows it,
 * and what becomes of it while the page is not in the room (connecting,
 * reconnecting, or put out) or the room is older than it. The session's one
 * way out (session/outbound.ts) applies these; nothing else sends. The
 * `join`, and the `claim` that goes before it, are not here: they open
 * every connection, before the room's version is known
 * (net/room-client.ts).
 */
import { ATTENTION_VERSION, CHANGES_VERSION, type ClientMessage, MODERATION_VERSION } from "../../protocol";

/** Every frame the page sends through the one way out. */
export type OutboundFrame = Exclude<ClientMessage, { type: "join" | "claim" }>;

/**
 * - `device`: what a person wrote or changed. Kept on the device (the
 *   outbox) and shown as pending until the room answers; sent again, with
 *   its id, after every welcome, so the room applies it once, whatever
 *   dropped, reloaded or closed in between. A room too old to know it keeps
 *   it waiting for one that does.
 * - `latest`: state the room should have (the push subscription) or a
 *   question whose answer the page shows (the lists, the audit log). Only
 *   the latest of its kind is kept, in memory, and sent after the next
 *   welcome; a room too old for it gets none.
 * - `refuse`: a moderator's act, which should happen when it is done or not
 *   at all (a ban a minute late, or a link made twice, is worse than none).
 *   Not sent, and the person is told why.
 * - `drop`: moot once the connection is back (typing; a sync, which the
 *   welcome's resume replaces).
 */
export type Keep = "device" | "latest" | "refuse" | "drop";

export interface Rule {
	/** The first protocol version whose rooms know the frame. */
	since: number;
	keep: Keep;
}

const device = (since: number): Rule => ({ since, keep: "device" });
const moderation = (keep: Keep): Rule => ({ since: MODERATION_VERSION, keep });

export const RULES: { readonly [T in OutboundFrame["type"]]: Rule } = {
	send: device(1),
	title: device(4),
	edit: device(CHANGES_VERSION),
	delete: device(CHANGES_VERSION),
	react: device(CHANGES_VERSION),
	typing: { since: 1, keep: "drop" },
	sync: { since: 1, keep: "drop" },
	subscribe: { since: ATTENTION_VERSION, keep: "latest" },
	unsubscribe: { since: ATTENTION_VERSION, keep: "latest" },
	moderation: moderation("latest"),
	audit: moderation("latest"),
	mute: moderation("refuse"),
	kick: moderation("refuse"),
	ban: moderation("refuse"),
	lift: moderation("refuse"),
	demote: moderation("refuse"),
	settings: moderation("refuse"),
	clear_history: moderation("refuse"),
	link: moderation("refuse"),
};

/** What a person wrote or changed: the frames kept on the device (their rule is `device`). */
export type DeviceFrame = Extract<OutboundFrame, { type: "send" | "title" | "edit" | "delete" | "react" }>;

export function isDeviceFrame(frame: OutboundFrame): frame is DeviceFrame {
	return RULES[frame.type].keep === "device";
}

/** Frames kept as `latest` that replace each other: a subscribe and an unsubscribe are one setting. */
export function slotOf(frame: OutboundFrame): string {
	return frame.type === "unsubscribe" ? "subscribe" : frame.type;
}

/**
 * Whether a frame may go now: the page is in the room (welcomed on this
 * connection) and the room's version knows the frame.
 * @example mayGo(RULES.edit, { online: true, version: 4 }) // false: a version 4 room knows no edits
 */
export function mayGo(rule: Rule, room: { online: boolean; version: number }): boolean {
	return room.online && room.version >= rule.since;
}
