/**
 * The frames of moderation (protocol version 6): claiming a role with a
 * secret from a link, acting on a member, the room's settings, the links,
 * the lists of mutes and bans, and the audit log. The room checks every one
 * against the sender's role; the page only shows the controls.
 * docs/moderation.md says what each role may do and why.
 */
import * as v from "valibot";
import { SECRET } from "./secrets";

/** Who someone is in a room. Owners hold the owner secret; moderators were made so by a moderator link. */
export type Role = "owner" | "moderator" | "member";

/** How roles rank: the room checks every action by it, and the page shows controls by it. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { member: 0, moderator: 1, owner: 2 };

/**
 * Whether `role` is at least `need`.
 * @example atLeast("owner", "moderator") // true
 */
export function atLeast(role: Role, need: Role): boolean {
	return ROLE_RANK[role] >= ROLE_RANK[need];
}

/**
 * Whether someone of `role` may act on someone of `target` (mute, kick,
 * ban, delete their message): only on people below them.
 * @example outranks("moderator", "moderator") // false
 */
export function outranks(role: Role, target: Role): boolean {
	return ROLE_RANK[role] > ROLE_RANK[target];
}

/** How many minutes a mute lasts: 5 minutes, an hour or a day. */
export const MUTE_MINUTES = [5, 60, 24 * 60] as const;
/** How many hours a ban lasts; a ban without `hours` lasts until it is lifted. */
export const BAN_HOURS = [24, 7 * 24] as const;
/** Slow mode: at most one message per person every this many seconds (0: off). */
export const SLOW_MODE_MAX_SECONDS = 3600;

/** The secret of an owner or moderator link, or the operator token: what a link carries after `#`. */
export const SecretSchema = v.pipe(
	v.string("A secret must be text"),
	v.regex(SECRET, "A secret must be 16-128 letters, digits, - or _"),
);

const SeqSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(1));

/** Whom an action is for: a member of the room by name (the Online list), or whoever sent a message (its seq). */
const TargetSchema = v.union(
	[
		v.strictObject({ name: v.pipe(v.string(), v.trim(), v.nonEmpty("Say whom to act on"), v.maxLength(64)) }),
		v.strictObject({ seq: SeqSchema }),
	],
	"A target is { name } or { seq }",
);

export type Target = v.InferOutput<typeof TargetSchema>;

export const ModerationFrameSchemas = [
	/** Presents a secret: the owner secret, a moderator link's, or the operator token. Allowed before `join`. */
	v.strictObject({ type: v.literal("claim"), secret: SecretSchema }),
	v.strictObject({ type: v.literal("mute"), target: TargetSchema, minutes: v.picklist(MUTE_MINUTES) }),
	v.strictObject({ type: v.literal("kick"), target: TargetSchema }),
	v.strictObject({ type: v.literal("ban"), target: TargetSchema, hours: v.optional(v.picklist(BAN_HOURS)) }),
	/** Lifts a mute or a ban, by the id the `moderation` list gave it. */
	v.strictObject({ type: v.literal("lift"), id: v.pipe(v.string(), v.regex(/^(mute|ban)-\d{1,15}$/)) }),
	/** Owner only: the moderator is a member again. */
	v.strictObject({
		type: v.literal("demote"),
		name: v.pipe(v.string(), v.trim(), v.nonEmpty("Say whom to remove as moderator"), v.maxLength(64)),
	}),
	v.strictObject({
		type: v.literal("settings"),
		slowMode: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0), v.maxValue(SLOW_MODE_MAX_SECONDS))),
		locked: v.optional(v.boolean()),
	}),
	v.strictObject({ type: v.literal("clear_history") }),
	/** Owner only: a new link of this kind (the old one stops working), or, with `revoke`, none: for moderators only. */
	v.strictObject({
		type: v.literal("link"),
		kind: v.picklist(["owner", "moderator"]),
		revoke: v.optional(v.literal(true)),
	}),
	/** Asks for the lists behind Room settings; the room answers `moderation`. */
	v.strictObject({ type: v.literal("moderation") }),
	/** Asks for a page of the audit log, newest first, before the entry `before`. */
	v.strictObject({ type: v.literal("audit"), before: v.optional(SeqSchema) }),
] as const;

export interface RoomSettings {
	/** Seconds between two messages of one person (0: off). Owners and moderators are not slowed. */
	slowMode: number;
	/** Only people who have been in the room before may join. */
	locked: boolean;
}

export interface StaffMember {
	name: string;
	role: Exclude<Role, "member">;
}

/** A mute or a ban, as the Room settings list shows it. */
export interface Restriction {
	/** What `lift` takes: "mute-3", "ban-7". */
	id: string;
	name: string;
	/** When it ends, ms since the epoch; null: until lifted. */
	until: number | null;
	/** For a ban: until when the address is banned too. */
	addressUntil?: number;
}

export type AuditAction =
	| "mute"
	| "kick"
	| "ban"
	| "lift_mute"
	| "lift_ban"
	| "delete"
	| "clear_history"
	| "slow_mode"
	| "lock"
	| "unlock"
	| "owner_link"
	| "moderator_link"
	| "revoke_moderator_link"
	| "claim_owner"
	| "claim_moderator"
	| "demote";

/** One moderation action: who, what, whom and when. */
export interface AuditEntry {
	id: number;
	at: number;
	actor: string;
	role: Exclude<Role, "member">;
	action: AuditAction;
	target?: string;
	/** "5 minutes", "until lifted", "10 s", "message 42". */
	detail?: string;
}

export type ModerationServerMessage =
	/** This device's role changed. */
	| { type: "role"; role: Role }
	/** Who in the room is an owner or a moderator: their names carry a badge. */
	| { type: "staff"; staff: StaffMember[] }
	| { type: "settings"; settings: RoomSettings }
	/** A new link's secret, to its requester only, once: the room keeps only its hash. */
	| { type: "link"; kind: "owner" | "moderator"; secret: string }
	| {
			type: "moderation";
			mutes: Restriction[];
			bans: Restriction[];
			moderators: string[];
			/** Whether a moderator link works now. */
			moderatorLink: boolean;
	  }
	| { type: "audit"; entries: AuditEntry[]; hasMore: boolean };

/** Close codes the room uses to end a member's sockets; a client does not reconnect after them by itself, and says why. */
export const CLOSE_KICKED = 4001;
export const CLOSE_BANNED = 4003;
