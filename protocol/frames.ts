/**
 * The frames of the wire, named by direction: what a client may send
 * (checked against ClientMessageSchema before anything else happens), and
 * what the room sends (built from the server's own fields).
 */
import * as v from "valibot";
import { LIMITS } from "./limits";
import {
	ModerationFrameSchemas,
	type ModerationServerMessage,
	type RoomSettings,
	type StaffMember,
} from "./moderation";
import { EmojiSchema, type Reaction } from "./reactions";
import { MessageTextSchema, NameSchema, RoomTitleSchema } from "./text";

/**
 * This code's protocol version. 1: the first release (no version anywhere).
 * 2: the socket URL carries `?v=`, the welcome carries `version`.
 * 3: the room answers the text frame `ping` with `pong` (the heartbeat, outside the JSON frames).
 * 4: the `title` frame, lines of kind `title`, and `title` / `canSetTitle` in the welcome.
 * 5: edits, deletes, reactions and replies (CHANGES_VERSION).
 * 6: moderation: roles, mutes, kicks, bans, room settings, the audit log
 * (protocol/moderation.ts); `role` on chat lines; `role`, `staff` and
 * `settings` in the welcome; `until` on errors; a `delete` by an owner or a
 * moderator of someone else's message (`deleted: "moderator"`).
 * 7: chat lines and edit lines carry `mentions`; `subscribe` and `unsubscribe` (Web Push) (ATTENTION_VERSION).
 * 8: `join` may name the client ids a device still holds as pending (`pending`), and the room answers with
 * those it stored, and their seqs (`stored`), in the welcome and in a refused name (PENDING_IDS_VERSION).
 */
export const PROTOCOL_VERSION = 8;

/**
 * A name as a join may bring it: also no `@`, which starts a mention ("Ana
 * @Bob" would make every "@Ana @Bob" a mention of itself). Checked by the
 * room only: the Welcome dialog shows the room's refusal, and the first
 * screen stays within its budget.
 */
const JoinNameSchema = v.pipe(
	NameSchema,
	v.check((s) => !s.includes("@"), "A name cannot contain @, which starts a mention"),
);

/**
 * The version that knows change lines and the message fields that go with
 * them: a room sends neither to an older page, and a page sends the new
 * frames only to a room of this version or newer.
 */
export const CHANGES_VERSION = 5;

/** The first version that knows moderation's frames and fields. */
export const MODERATION_VERSION = 6;

/** The first version whose lines carry `mentions` and whose rooms take `subscribe` and `unsubscribe`. */
export const ATTENTION_VERSION = 7;

/**
 * The first version whose rooms take `pending` in a `join` and answer with
 * `stored`: a page names its pending ids only to a room it knows to be of
 * this version or newer (an older one refuses the unknown field).
 */
export const PENDING_IDS_VERSION = 8;

/** The version a client gave in its socket URL (`?v=`); a client that gave none is version 1. */
export function clientVersion(url: string): number {
	const v = Number(new URL(url).searchParams.get("v"));
	return Number.isSafeInteger(v) && v >= 1 ? v : 1;
}

/**
 * The header a page sends its device key in (the `user` of `join`) when it
 * reads history over HTTP: a locked room shows its history only to devices
 * that have been in it, and a banned device sees none (docs/protocol.md).
 */
export const USER_KEY_HEADER = "X-Hashzap-User";

/** Whether text is a device key as `join` takes one. */
export function isUserKey(text: string): boolean {
	return /^[A-Za-z0-9_-]{8,64}$/.test(text);
}

/** Whether text is a client's id for a send or a change (as TokenSchema checks one). */
function isClientId(text: string): boolean {
	return /^[A-Za-z0-9_-]{1,64}$/.test(text);
}

/** Ids made by clients: a send's id, a device's user key. */
const TokenSchema = (what: string, min: number) =>
	v.pipe(
		v.string(`${what} must be text`),
		v.regex(new RegExp(`^[A-Za-z0-9_-]{${min},64}$`), `${what} must be ${min}-64 letters, digits, - or _`),
	);

const ChangeId = TokenSchema("A change id", 1);

/** A device's key, as `join` takes it. */
const UserKeySchema = TokenSchema("A user key", 8);

/**
 * Client ids a `join` may name as still pending (version 8): 100 ids of at
 * most 64 characters fit well within a frame; a device with more waiting
 * names its oldest, and sends the rest again as always. Not in LIMITS, which
 * the first screen loads: only the chat and the room need it.
 */
export const PENDING_IDS_MAX = 100;

/**
 * Version 8: the client ids of sends and changes a device has not seen
 * acknowledged. One check, not valibot's `array`: the page never parses a
 * join, and every valibot function any schema uses lands in the first
 * screen's bundle (valibot is one module), which has no bytes to spare.
 */
const PendingIdsSchema = v.optional(
	v.custom<string[]>(
		(ids) =>
			Array.isArray(ids) &&
			ids.length <= PENDING_IDS_MAX &&
			ids.every((id) => typeof id === "string" && isClientId(id)),
		`pending must be a list of at most ${PENDING_IDS_MAX} ids, each 1-64 letters, digits, - or _`,
	),
);

/** A send or change the room has, by the client's id: what a join's `pending` is answered with. */
export interface StoredId {
	id: string;
	seq: number;
}

const SeqSchema = v.pipe(
	v.number("A sequence number must be a number"),
	v.safeInteger("A sequence number must be a whole number"),
	v.minValue(0, "A sequence number cannot be negative"),
);

/** How much of the room a device wants to hear of while it is away. */
export const NotifyLevelSchema = v.picklist(["all", "mentions"], "level must be all or mentions");
export type NotifyLevel = v.InferOutput<typeof NotifyLevelSchema> | "off";

/** base64url without padding, of exactly `bytes` bytes, as PushSubscription.toJSON() gives keys. */
const Base64UrlBytes = (what: string, bytes: number) =>
	v.pipe(
		v.string(`${what} must be text`),
		v.regex(
			new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$`),
			`${what} must be ${bytes} bytes in base64url`,
		),
	);

export const PushSubscriptionSchema = v.strictObject({
	/** The push service's URL for this device (checked by the room against its list of push services). */
	endpoint: v.pipe(
		v.string("endpoint must be text"),
		v.maxLength(LIMITS.pushEndpointMax, `endpoint can be at most ${LIMITS.pushEndpointMax} characters`),
		v.url("endpoint must be a URL"),
		v.startsWith("https://", "endpoint must be an https URL"),
	),
	keys: v.strictObject({
		/** The device's P-256 public key, an uncompressed point (65 bytes, so it begins with "B"). */
		p256dh: v.pipe(Base64UrlBytes("p256dh", 65), v.startsWith("B", "p256dh must be an uncompressed P-256 point")),
		auth: Base64UrlBytes("auth", 16),
	}),
});

export const ClientMessageSchema = v.variant(
	"type",
	[
		v.strictObject({
			type: v.literal("join"),
			name: JoinNameSchema,
			/** A random key this device keeps: two tabs with the same key are one person. Never sent to others. */
			user: UserKeySchema,
			/** The last sequence number this client saw: the room sends what came after it. */
			since: v.optional(SeqSchema),
			/** Version 8: the ids this device sent and has not seen acknowledged; the room says which it stored. */
			pending: PendingIdsSchema,
		}),
		v.strictObject({
			type: v.literal("send"),
			/** Chosen by the client; the same id sent twice is stored once. */
			id: TokenSchema("A message id", 1),
			text: MessageTextSchema,
			/** Version 5: the seq of the message this one answers. */
			replyTo: v.optional(SeqSchema),
		}),
		v.strictObject({ type: v.literal("typing") }),
		v.strictObject({ type: v.literal("sync"), since: SeqSchema }),
		v.strictObject({
			type: v.literal("title"),
			/** Like a send's id: the same title frame sent twice is stored once. */
			id: TokenSchema("A title id", 1),
			text: RoomTitleSchema,
		}),
		// Version 5: changes to a message, each with an id of the client's (as a send's), so a retry is applied once.
		v.strictObject({ type: v.literal("edit"), id: ChangeId, seq: SeqSchema, text: MessageTextSchema }),
		/** The sender's own message, or (version 6) anyone's by an owner or a moderator. */
		v.strictObject({ type: v.literal("delete"), id: ChangeId, seq: SeqSchema }),
		v.strictObject({
			type: v.literal("react"),
			id: ChangeId,
			seq: SeqSchema,
			emoji: EmojiSchema,
			/** On or off, not a toggle: two tabs that both press it agree on the result. */
			on: v.boolean("on must be true or false"),
		}),
		...ModerationFrameSchemas,
		/** Version 7: push this device (its user key) what matches `level` while it has no socket in the room. */
		v.strictObject({
			type: v.literal("subscribe"),
			subscription: PushSubscriptionSchema,
			level: NotifyLevelSchema,
			/** Whether a push may show the message's text; without it, only the room and the sender. */
			preview: v.boolean("preview must be true or false"),
		}),
		/** Version 7: push this device nothing more. */
		v.strictObject({ type: v.literal("unsubscribe") }),
	],
	"Unknown frame type",
);

export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;

/**
 * Version 7: what a device's service worker receives in a Web Push (the room
 * sends it through the device's push service, encrypted; client/sw.ts shows it).
 * A type, not an interface: the push library takes only what is JSON by its type.
 */
export type PushPayload = {
	room: string;
	/** The line to open the room at. */
	seq: number;
	title: string;
	body: string;
	/** One notification per room on a device: a new push replaces the last. */
	tag: string;
	url: string;
};

/**
 * A person's message, an arrival, a departure, or a new display title for
 * the room (its text). Version 6: `removed`, "Ana was removed by a
 * moderator" (a kick or a ban); `cleared`, the history before it was cleared.
 * A client shows a kind it does not know as a line of the room's own.
 */
export type MessageKind = "chat" | "join" | "leave" | "title" | "removed" | "cleared";

/** Who deleted a message: its sender, or (version 6) an owner or a moderator. */
export type DeletedBy = "sender" | "moderator";

/** What a reply shows of the message it answers, as that message is now. */
export interface Quote {
	seq: number;
	/** The original's sender; absent, with `text`, when the original is deleted or no longer stored. */
	name?: string;
	/** The start of the original's text (up to LIMITS.quoteMax characters). */
	text?: string;
}

/** A message of the room (chat, or someone joining or leaving), as it is now. */
export interface ChatMessage {
	/** The room's sequence number: gap-free, increasing, assigned by the server. */
	seq: number;
	/** The server's id for the message. */
	id: string;
	kind: MessageKind;
	/** The sender's name (for join and leave, whose arrival or departure; for title, who set it). */
	name: string;
	/** Empty once deleted. */
	text: string;
	/** Server time, ms since the epoch; never decreases within a room. */
	at: number;
	// Version 5 (never sent to older pages):
	/** The message this one answers. */
	replyTo?: Quote;
	/** The sender has changed the text. */
	edited?: true;
	/** Deleted: its text, reactions and reply are gone. */
	deleted?: DeletedBy;
	/** Its reactions, in the order of REACTIONS; absent when none. */
	reactions?: Reaction[];
	/** The seq of the last change to it; absent when it has none. A change with a lower seq is already in this state. */
	rev?: number;
	// Version 6:
	/** The sender's role when they sent it, if an owner or a moderator. */
	role?: StaffMember["role"];
	/**
	 * Version 7: the names this chat line mentions with `@Name` in its text as it is now, as the room knows them
	 * (absent for none; gone once deleted). Replying to someone is not mentioning them.
	 */
	mentions?: string[];
}

export type ChangeKind = "edit" | "delete" | "react";

/**
 * Version 5: a change to a message, in the stream with its own seq. It
 * carries its target's state as it is now (not as it was then), so applying
 * a room's changes in seq order is idempotent and ends in the room's state,
 * and a deleted message's text survives in no change.
 */
export interface Change {
	seq: number;
	/** The server's id for the change. */
	id: string;
	kind: ChangeKind;
	/** Who made the change. */
	name: string;
	at: number;
	/** The seq of the message it changes. */
	target: number;
	/** edit: the message's text now. */
	text?: string;
	/** react: the emoji that changed and who reacted with it now (maybe no one). */
	reaction?: Reaction;
	/** The message is deleted (by this change, or since): nothing else is carried. */
	deleted?: DeletedBy;
	/** Version 7, edit: whom the message's text mentions now (absent for no one), which the page puts in its place. */
	mentions?: string[];
}

/** A line of the room's stream: a message, or (version 5) a change to one. */
export type Line = ChatMessage | Change;

export function isChange(line: Line): line is Change {
	return line.kind === "edit" || line.kind === "delete" || line.kind === "react";
}

export type ErrorCode =
	| "bad_json"
	| "binary_frame"
	| "invalid_frame"
	| "unknown_type"
	| "invalid_name"
	| "invalid_message"
	| "not_joined"
	| "already_joined"
	| "name_taken"
	| "rate_limited"
	| "invalid_title"
	| "not_creator"
	// Version 5:
	| "unknown_message"
	| "not_yours"
	| "message_deleted"
	| "reactions_full"
	// Version 6:
	| "forbidden"
	| "not_found"
	| "bad_secret"
	| "muted"
	| "slow_mode"
	| "room_locked"
	| "banned"
	// Version 7:
	| "invalid_subscription";

export type ServerMessage =
	| {
			type: "welcome";
			/** The room's protocol version (absent from version 1 rooms). */
			version?: number;
			room: string;
			/** The name as the room accepted it (trimmed, normalized). */
			name: string;
			/** The newest sequence number in the room. */
			seq: number;
			/** The newest page (messages only), or every line that came after `since` (changes too). */
			messages: Line[];
			/** True when `messages` replaces what the client had (no usable `since`). */
			reset: boolean;
			/** Whether older messages exist before the first of `messages`. */
			hasMore: boolean;
			online: string[];
			/** This device's role in the room (version 6). */
			role?: "owner" | "moderator" | "member";
			/** The room's owners and moderators among its members (version 6). */
			staff?: StaffMember[];
			settings?: RoomSettings;
			/** The room's display title, if its creator gave it one. */
			title?: string;
			/** Present (true) when this person created the room and so may set its title. */
			canSetTitle?: true;
			/** Version 8: which of the join's `pending` ids the room stored (absent: none of them). */
			stored?: StoredId[];
	  }
	| { type: "message"; message: Line }
	/** Several new lines at once: what the room stored in one tick, in seq order. */
	| { type: "messages"; messages: Line[] }
	/** A send or a change is stored under `seq` (a retry is acked with the first try's). */
	| { type: "ack"; id: string; seq: number }
	| { type: "history"; messages: Line[] }
	| { type: "typing"; name: string }
	| {
			type: "error";
			code: ErrorCode;
			reason: string;
			id?: string;
			retryAfter?: number;
			/** When a mute, a ban or slow mode lets this person send again, ms since the epoch (version 6). */
			until?: number;
			/** Version 8, with `name_taken` or `invalid_name`: which of the join's `pending` ids the room stored. */
			stored?: StoredId[];
	  }
	| ModerationServerMessage;

/** The frame types a client may send, for the refusal of an unknown one. */
function frameTypes(): string {
	return ClientMessageSchema.options.map((o) => o.entries.type.literal).join(", ");
}

/** What only version 6 pages know: sent to none older. */
const MODERATION_FRAMES = new Set<string>(["role", "staff", "settings", "link", "moderation", "audit"]);

/**
 * A server frame as a page of `version` knows it: frames it does not know
 * are not sent (undefined), fields it does not know are left out.
 * @example forVersion({ type: "staff", staff: [] }, 2) // undefined
 */
export function forVersion(msg: ServerMessage, version: number): ServerMessage | undefined {
	if (version >= ATTENTION_VERSION) return msg;
	const moderated = version >= MODERATION_VERSION;
	if (!moderated && MODERATION_FRAMES.has(msg.type)) return undefined;
	switch (msg.type) {
		case "welcome": {
			const messages = linesForVersion(msg.messages, version);
			if (moderated) return messages === msg.messages ? msg : { ...msg, messages };
			const { role: _role, staff: _staff, settings: _settings, ...older } = msg;
			return { ...older, messages };
		}
		case "message":
			return isNewer(msg.message, version) ? { ...msg, message: asOlder(msg.message, version) } : msg;
		case "messages":
		case "history": {
			const messages = linesForVersion(msg.messages, version);
			return messages === msg.messages ? msg : { ...msg, messages };
		}
		case "error": {
			if (moderated) return msg;
			const { until: _until, ...older } = msg;
			return older;
		}
		default:
			return msg;
	}
}

/**
 * Lines as a page of `version` knows them: without the fields of later
 * versions (`mentions` before 7; `role` and a moderator's delete before 6),
 * the same array when none has them.
 */
export function linesForVersion<L extends Line>(lines: L[], version: number): L[] {
	if (version >= ATTENTION_VERSION || !lines.some((l) => isNewer(l, version))) return lines;
	return lines.map((l) => asOlder(l, version)) as L[];
}

const isNewer = (line: Line, version: number) =>
	line.mentions !== undefined ||
	(version < MODERATION_VERSION && (("role" in line && line.role !== undefined) || line.deleted === "moderator"));

/**
 * A line without the fields of the versions after `version`. A page of
 * version 5 knows only that a message was deleted, not by whom: one a
 * moderator deleted is to it as if its sender had ("This message was deleted").
 */
function asOlder(line: Line, version: number): Line {
	if (!isNewer(line, version)) return line;
	const { mentions: _mentions, ...unmentioned } = line;
	if (version >= MODERATION_VERSION) return unmentioned;
	const { role: _role, ...older } = unmentioned as ChatMessage;
	return older.deleted === "moderator" ? { ...older, deleted: "sender" } : older;
}

/** What a message a moderator deleted shows instead of its text. */
export const REMOVED_TEXT = "Removed by a moderator";

/** Who asked to join, as far as a join refused for its name says it validly: the room still answers its `pending`. */
export interface Joiner {
	user: string;
	pending?: string[] | undefined;
}

export type ParseResult =
	| { ok: true; frame: ClientMessage }
	| { ok: false; code: ErrorCode; reason: string; id?: string; joiner?: Joiner };

/**
 * Checks one text frame from a client.
 * @example parseClientFrame('{"type":"typing"}') // { ok: true, frame: { type: "typing" } }
 */
export function parseClientFrame(raw: string): ParseResult {
	let data: unknown;
	try {
		data = JSON.parse(raw);
	} catch {
		return { ok: false, code: "bad_json", reason: "Frame is not valid JSON" };
	}
	const result = v.safeParse(ClientMessageSchema, data, { abortPipeEarly: true });
	if (result.success) return { ok: true, frame: result.output };
	const issue = result.issues[0];
	const field = issue.path?.[0]?.key;
	const id = sendId(data);
	const refuse = (code: ErrorCode, reason: string): ParseResult => ({ ok: false, code, reason, ...(id && { id }) });
	if (issue.type === "variant") {
		return refuse("unknown_type", `Unknown frame type: expected ${frameTypes()}`);
	}
	const path = issue.path?.map((p) => String(p.key)).join(".");
	// A subscription's own fields (inside it too) are answered with its own code: the page learns push failed.
	const inSubscription = field === "subscription" || (field === "level" && parsedType(data) === "subscribe");
	if (issue.type === "strict_object") {
		// valibot reports both an extra key (expected "never") and a missing one under strict_object.
		const what = issue.expected === "never" ? "Unknown" : "Missing";
		return refuse(
			inSubscription && path !== field ? "invalid_subscription" : "invalid_frame",
			`${what} field "${path}"`,
		);
	}
	if (field === "name") return { ...refuse("invalid_name", issue.message), ...joinerOf(data) };
	if (field === "text" && (data as { type?: unknown }).type === "title") return refuse("invalid_title", issue.message);
	if (field === "text") return refuse("invalid_message", issue.message);
	if (inSubscription) return refuse("invalid_subscription", issue.message);
	return refuse("invalid_frame", `${String(field)}: ${issue.message}`);
}

/** The device key and pending ids of a join whose name was refused, when they are valid themselves. */
function joinerOf(data: unknown): { joiner?: Joiner } {
	if (parsedType(data) !== "join") return {};
	// The same join under a name the room takes: valid, it names a device key and maybe pending ids.
	const join = v.safeParse(ClientMessageSchema, { ...(data as object), name: "x" });
	return join.success && join.output.type === "join"
		? { joiner: { user: join.output.user, pending: join.output.pending } }
		: {};
}

function parsedType(data: unknown): unknown {
	return typeof data === "object" && data !== null ? (data as { type?: unknown }).type : undefined;
}

/** The id of a refused send or change, when it is a valid one, so the client knows which failed. */
function sendId(data: unknown): string | undefined {
	if (typeof data !== "object" || data === null) return undefined;
	const id = (data as { id?: unknown }).id;
	return typeof id === "string" && isClientId(id) ? id : undefined;
}
