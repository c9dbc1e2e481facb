/**
 * The Hashzap wire protocol, shared by the worker and the client.
 *
 * It holds the two frame unions (named by direction), the schema every client
 * frame is checked against, and the limits. It imports nothing but valibot so
 * that it type-checks under both the DOM and the Workers libs.
 * docs/protocol.md describes every frame with examples.
 */
import * as v from "valibot";

export const LIMITS = {
	/** Characters (UTF-16 code units, as the browser's maxlength counts) in a name, after trimming. */
	nameMax: 32,
	/** Characters in a message, after trimming. */
	messageMax: 2000,
	/** Bytes in one frame from a client; a larger frame closes the socket with 1009. */
	frameBytes: 16 * 1024,
	/** Messages in the page a client gets on joining. */
	joinPage: 50,
	/** Most messages one history request may return. */
	pageMax: 100,
	/** Most missed messages a reconnecting client is sent; beyond it, it starts from the newest page. */
	resumeMax: 1000,
} as const;

/** Room names: what fits in a URL path segment without escaping. */
export const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_ROOM = "lobby";

export function isRoomName(room: string): boolean {
	return ROOM_NAME.test(room);
}

/** Invisible, control and direction-changing characters: refused in names, so that no name hides characters. */
const NAME_FORBIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]/u;
/** Control characters other than newline and tab, and bidi overrides/isolates: stripped from messages. */
const MESSAGE_STRIPPED = /[^\P{Cc}\n\t]|[\u202A-\u202E\u2066-\u2069]/gu;

/** The form of a name the room compares: two names are the same person's if these match. */
export function nameKey(name: string): string {
	return name.normalize("NFKC").trim().toLowerCase();
}

export const NameSchema = v.pipe(
	v.string("A name must be text"),
	v.transform((s) => s.normalize("NFKC").trim()),
	v.nonEmpty("Please enter a name"),
	v.maxLength(LIMITS.nameMax, `A name can be at most ${LIMITS.nameMax} characters`),
	v.check((s) => !NAME_FORBIDDEN.test(s), "A name cannot contain invisible, control or direction-changing characters"),
);

export const MessageTextSchema = v.pipe(
	v.string("A message must be text"),
	v.transform((s) => s.replace(/\r\n?/g, "\n").replace(MESSAGE_STRIPPED, "").trim()),
	v.nonEmpty("A message cannot be empty"),
	v.maxLength(LIMITS.messageMax, `A message can be at most ${LIMITS.messageMax} characters`),
);

/** Ids made by clients: a send's id, a device's user key. */
const TokenSchema = (what: string, min: number) =>
	v.pipe(
		v.string(`${what} must be text`),
		v.regex(new RegExp(`^[A-Za-z0-9_-]{${min},64}$`), `${what} must be ${min}-64 letters, digits, - or _`),
	);

const SeqSchema = v.pipe(
	v.number("A sequence number must be a number"),
	v.safeInteger("A sequence number must be a whole number"),
	v.minValue(0, "A sequence number cannot be negative"),
);

export const ClientMessageSchema = v.variant(
	"type",
	[
		v.strictObject({
			type: v.literal("join"),
			name: NameSchema,
			/** A random key this device keeps: two tabs with the same key are one person. Never sent to others. */
			user: TokenSchema("A user key", 8),
			/** The last sequence number this client saw: the room sends what came after it. */
			since: v.optional(SeqSchema),
		}),
		v.strictObject({
			type: v.literal("send"),
			/** Chosen by the client; the same id sent twice is stored once. */
			id: TokenSchema("A message id", 1),
			text: MessageTextSchema,
		}),
		v.strictObject({ type: v.literal("typing") }),
		v.strictObject({ type: v.literal("sync"), since: SeqSchema }),
	],
	"Unknown frame type",
);

export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;

export type MessageKind = "chat" | "join" | "leave";

/** A line of the room's history, as the server stored it. */
export interface ChatMessage {
	/** The room's sequence number: gap-free, increasing, assigned by the server. */
	seq: number;
	/** The server's id for the message. */
	id: string;
	kind: MessageKind;
	/** The sender's name (for join and leave, whose arrival or departure). */
	name: string;
	text: string;
	/** Server time, ms since the epoch; never decreases within a room. */
	at: number;
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
	| "rate_limited";

export type ServerMessage =
	| {
			type: "welcome";
			room: string;
			/** The name as the room accepted it (trimmed, normalized). */
			name: string;
			/** The newest sequence number in the room. */
			seq: number;
			/** The newest page, or what came after `since`. */
			messages: ChatMessage[];
			/** True when `messages` replaces what the client had (no usable `since`). */
			reset: boolean;
			/** Whether older messages exist before the first of `messages`. */
			hasMore: boolean;
			online: string[];
	  }
	| { type: "message"; message: ChatMessage }
	/** Several new lines at once: what the room stored in one tick, in seq order. */
	| { type: "messages"; messages: ChatMessage[] }
	| { type: "ack"; id: string; seq: number }
	| { type: "history"; messages: ChatMessage[] }
	| { type: "typing"; name: string }
	| { type: "error"; code: ErrorCode; reason: string; id?: string; retryAfter?: number };

export type ParseResult =
	| { ok: true; frame: ClientMessage }
	| { ok: false; code: ErrorCode; reason: string; id?: string };

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
		return refuse("unknown_type", "Unknown frame type: expected join, send, typing or sync");
	}
	if (issue.type === "strict_object") {
		// valibot reports both an extra key (expected "never") and a missing one under strict_object.
		const what = issue.expected === "never" ? "Unknown" : "Missing";
		return refuse("invalid_frame", `${what} field "${String(field)}"`);
	}
	if (field === "name") return refuse("invalid_name", issue.message);
	if (field === "text") return refuse("invalid_message", issue.message);
	return refuse("invalid_frame", `${String(field)}: ${issue.message}`);
}

/** The id of a refused send, when it is a valid one, so the client knows which message failed. */
function sendId(data: unknown): string | undefined {
	if (typeof data !== "object" || data === null) return undefined;
	const id = (data as { id?: unknown }).id;
	return typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}
