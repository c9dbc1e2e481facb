/**
 * Moderation as this page knows it: this device's role, who moderates, the
 * room's settings, the lists and the log an owner or moderator reads, and
 * what happened to this page if it was removed. The room enforces all of
 * it; the page only shows controls and says what the room said.
 * The secrets this device presents are in shell/room-secrets.ts.
 */
import { signal } from "@preact/signals";
import {
	type AuditEntry,
	CLOSE_KICKED,
	outranks,
	type Restriction,
	type Role,
	type RoomSettings,
	type ServerMessage,
	type StaffMember,
} from "../../protocol";
import type { OutboundFrame } from "../model/outbound-rules";
import { roomName } from "../shell/app-store";
import { dropSecret, keepSecret } from "../shell/room-secrets";
import { send } from "./outbound";

/** What the staff's controls send. */
type ModerationFrame = Extract<
	OutboundFrame,
	{ type: "mute" | "kick" | "ban" | "lift" | "demote" | "settings" | "clear_history" | "link" | "moderation" | "audit" }
>;

export const myRole = signal<Role>("member");
export const staff = signal<StaffMember[]>([]);
export const settings = signal<RoomSettings>({ slowMode: 0, locked: false });
export const lists = signal<{
	mutes: Restriction[];
	bans: Restriction[];
	moderators: string[];
	moderatorLink: boolean;
}>({
	mutes: [],
	bans: [],
	moderators: [],
	moderatorLink: false,
});
export const audit = signal<{ entries: AuditEntry[]; hasMore: boolean }>({ entries: [], hasMore: false });
/** A link the room just made, shown once. */
export const freshLink = signal<{ kind: "owner" | "moderator"; url: string } | null>(null);
/** Set when the room closed this page's connection: kicked, or banned (until when; null: until lifted). */
export const removed = signal<{ kicked: true } | { banned: true; until: number | null; reason: string } | null>(null);

/**
 * Sends a moderation frame through the one way out (outbound.ts): an act
 * goes now or not at all, and the page says why not; the lists and the log
 * are asked for again once the page is back in the room. The room checks
 * each against this device's role.
 */
export function moderate(frame: ModerationFrame): void {
	send(frame);
}

let olderAudit = false;

/** Asks for the audit log's newest page, or, with `older`, the page after those shown. */
export function loadAudit(older = false): void {
	olderAudit = older;
	const before = older ? audit.value.entries.at(-1)?.id : undefined;
	moderate({ type: "audit", ...(before !== undefined && { before }) });
}

/** Whether this page may show moderation controls for someone of `role`: the room's own rule, only for people below. */
export function canActOn(role: Role | undefined): boolean {
	return outranks(myRole.value, role ?? "member");
}

export function roleOf(name: string): StaffMember["role"] | undefined {
	return staff.value.find((s) => s.name === name)?.role;
}

/** Folds what the room says of moderation into the signals. */
export function applyModerationFrame(msg: ServerMessage): void {
	switch (msg.type) {
		case "welcome":
			myRole.value = msg.role ?? "member";
			staff.value = msg.staff ?? [];
			if (msg.settings) settings.value = msg.settings;
			if (myRole.value !== "member") moderate({ type: "moderation" });
			return;
		case "role":
			myRole.value = msg.role;
			if (msg.role !== "member") moderate({ type: "moderation" });
			return;
		case "staff":
			staff.value = msg.staff;
			return;
		case "settings":
			settings.value = msg.settings;
			return;
		case "moderation":
			lists.value = { mutes: msg.mutes, bans: msg.bans, moderators: msg.moderators, moderatorLink: msg.moderatorLink };
			return;
		case "audit":
			audit.value = olderAudit ? { entries: [...audit.value.entries, ...msg.entries], hasMore: msg.hasMore } : msg;
			olderAudit = false;
			return;
		case "link": {
			const url = `${location.origin}/r/${encodeURIComponent(roomName)}#${msg.kind === "owner" ? "owner" : "mod"}=${msg.secret}`;
			// The owner link is this device's owner secret too: keep the new one, the old stops working.
			if (msg.kind === "owner") keepSecret(roomName, msg.secret);
			freshLink.value = { kind: msg.kind, url };
			return;
		}
		case "error":
			if (msg.code === "bad_secret") dropSecret(roomName);
			if (msg.code === "banned") {
				removed.value = { banned: true, until: msg.until ?? null, reason: msg.reason };
				// A ban outranks any role: the room took it, so the page's controls go too.
				myRole.value = "member";
			}
			return;
	}
}

/** The room closed the connection: kicked, or banned. The page does not reconnect by itself. */
export function noteRemoval(code: number, reason: string): void {
	if (code === CLOSE_KICKED) removed.value = { kicked: true };
	else if (!removed.value) removed.value = { banned: true, until: null, reason };
}
