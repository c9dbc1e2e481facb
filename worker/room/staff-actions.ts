/**
 * What owners and moderators do: mute, kick or ban a member, lift a mute or
 * a ban, change the room's settings, clear its history, make or revoke
 * links, demote a moderator, read the lists and the audit log. Every frame
 * is checked against the sender's role first; a wrong role gets `forbidden`
 * and nothing changes. ChatRoom says when these apply; this module says how.
 */
import {
	atLeast,
	CLOSE_BANNED,
	CLOSE_KICKED,
	type ClientMessage,
	type ErrorCode,
	outranks,
	type Role,
	type ServerMessage,
	type Target,
} from "../../protocol";
import type { AuditLog } from "./audit-log";
import type { Connections, Joined } from "./connections";
import type { History } from "./history";
import type { Membership } from "./membership";
import type { Restrictions } from "./restrictions";
import type { Roles } from "./roles";
import type { Settings } from "./room-settings";

type Frame<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

/** The staff frames, which need a joined sender (claim does not). */
export type StaffFrame = Frame<
	"mute" | "kick" | "ban" | "lift" | "settings" | "clear_history" | "link" | "demote" | "moderation" | "audit"
>;

/** The parts of the room moderation works on, and the room's own ways to refuse, close and run. */
export interface RoomParts {
	connections: Connections;
	membership: Membership;
	history: History;
	roles: Roles;
	restrictions: Restrictions;
	settings: Settings;
	audit: AuditLog;
	refuse(ws: WebSocket, code: ErrorCode, reason: string): void;
	/** Closes a socket for good, without a departure. */
	close(ws: WebSocket, code: number, reason: string): void;
	scheduleAlarm(): Promise<void>;
	/** Runs async work with every other event of the room held back. */
	exclusively(work: () => Promise<void>): Promise<void>;
	background(work: Promise<unknown>): void;
}

export class StaffActions {
	readonly #room: RoomParts;
	/** The staff list last broadcast, to send it again only when it changes. */
	#staffSent = "";

	constructor(room: RoomParts) {
		this.#room = room;
	}

	handle(ws: WebSocket, who: Joined, frame: StaffFrame): void | Promise<void> {
		switch (frame.type) {
			case "mute":
			case "kick":
			case "ban":
				return this.#act(ws, who, frame);
			case "lift":
				return this.#lift(ws, who, frame);
			case "settings":
				return this.#changeSettings(ws, who, frame);
			case "clear_history":
				return this.#clearHistory(ws, who);
			case "link":
				return this.#link(ws, who, frame);
			case "demote":
				return this.#demote(ws, who, frame.name);
			case "moderation":
				if (this.#allowed(ws, who, "moderator")) this.#room.connections.sendTo(ws, this.lists());
				return;
			case "audit":
				if (this.#allowed(ws, who, "moderator")) {
					this.#room.connections.sendTo(ws, { type: "audit", ...this.#room.audit.page(frame.before) });
				}
				return;
		}
	}

	/** Mute, kick or ban: by an owner or a moderator, on someone below them. */
	#act(ws: WebSocket, who: Joined, frame: Frame<"mute" | "kick" | "ban">) {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return;
		const target = this.#resolve(frame.target);
		if (!target) return this.#room.refuse(ws, "not_found", "There is no such member in this room");
		const theirs = this.#room.roles.of(target.device);
		if (target.device === who.device || !outranks(role, theirs)) {
			return this.#room.refuse(
				ws,
				"forbidden",
				"You can only act on people below you: not yourself, an owner or a fellow moderator",
			);
		}
		const actor = { name: who.name, role };
		const now = Date.now();
		if (frame.type === "mute") {
			const until = this.#room.restrictions.mute(target.device, target.name, frame.minutes, now);
			this.#room.audit.record(actor, "mute", target.name, `${frame.minutes} minutes, until ${utc(until)}`, now);
		} else if (frame.type === "kick") {
			if (this.#room.connections.socketsOf(target.device).length === 0) {
				return this.#room.refuse(ws, "not_found", `${target.name} is not in the room`);
			}
			this.#room.audit.record(actor, "kick", target.name, undefined, now);
			this.#remove(target, CLOSE_KICKED, "You were removed from the room by a moderator; you may come back");
		} else {
			const ip = this.#room.connections.socketsOf(target.device)[0];
			const address = ip ? this.#room.connections.session(ip).ip : this.#room.restrictions.addressOf(target.device);
			const ban = this.#room.restrictions.ban(target.device, target.name, address, frame.hours, now);
			// A moderator who is banned is a moderator no more: the device, under whatever name it used.
			if (theirs === "moderator") this.#room.roles.demote(target.device);
			this.#room.audit.record(
				actor,
				"ban",
				target.name,
				ban.until === null ? "until lifted" : `until ${utc(ban.until)}`,
				now,
			);
			this.#remove(target, CLOSE_BANNED, bannedReason(ban.until), { until: ban.until });
			if (theirs === "moderator") this.#revokeLinkOf(actor, target.name);
		}
		this.toStaff(this.lists());
		this.#room.background(this.#room.scheduleAlarm());
	}

	/**
	 * Takes someone out of the room at once: their sockets close with a clear
	 * reason (frames of theirs still on the wire are dropped), and the room
	 * says "Ana was removed by a moderator", with no "left the chat" after it.
	 */
	#remove(
		target: { device: string; name: string },
		code: number,
		reason: string,
		ban?: { until: number | null },
	): void {
		const sockets = this.#room.connections.socketsOf(target.device);
		for (const ws of sockets) {
			if (ban) {
				this.#room.connections.sendTo(ws, {
					type: "error",
					code: "banned",
					reason,
					...(ban.until !== null && { until: ban.until }),
				});
			}
			this.#room.close(ws, code, reason);
		}
		const held = this.#room.membership.members().filter((m) => m.device === target.device);
		for (const m of held) this.#room.membership.remove(m.nameKey);
		if (held.length > 0 || sockets.length > 0) {
			this.#room.connections.publish(this.#room.history.announce("removed", held[0]?.name ?? target.name));
		}
		this.staffChanged();
	}

	/** Lifts a mute or a ban from the Room settings list; no one lifts their own. */
	#lift(ws: WebSocket, who: Joined, frame: Frame<"lift">) {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return;
		const held = this.#room.restrictions.whose(frame.id);
		// A restriction on someone at or above the lifter (a moderator the owner muted) is not theirs to lift.
		if (held !== undefined && held !== who.device && !outranks(role, this.#room.roles.of(held))) {
			return this.#room.refuse(
				ws,
				"forbidden",
				"You can only lift what holds people below you: not yourself, an owner or a fellow moderator",
			);
		}
		const lifted = this.#room.restrictions.lift(frame.id, who.device);
		if (lifted === "own") return this.#room.refuse(ws, "forbidden", "No one can lift their own mute or ban");
		if (!lifted) return this.#room.refuse(ws, "not_found", "That mute or ban has already ended");
		this.#room.audit.record({ name: who.name, role }, lifted.kind === "mute" ? "lift_mute" : "lift_ban", lifted.name);
		this.toStaff(this.lists());
	}

	/** Slow mode and the lock: by owners and moderators, told to everyone. */
	#changeSettings(ws: WebSocket, who: Joined, frame: Frame<"settings">): void {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return;
		const changed = this.#room.settings.update({ slowMode: frame.slowMode, locked: frame.locked });
		const actor = { name: who.name, role };
		if (changed.slowMode !== undefined) {
			this.#room.audit.record(actor, "slow_mode", undefined, changed.slowMode === 0 ? "off" : `${changed.slowMode} s`);
		}
		if (changed.locked !== undefined) this.#room.audit.record(actor, changed.locked ? "lock" : "unlock");
		this.#room.connections.broadcast({ type: "settings", settings: this.#room.settings.current });
	}

	/** Clears the history: its lines are deleted from storage, and every page starts again from a `cleared` line. */
	#clearHistory(ws: WebSocket, who: Joined): void {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return;
		this.#room.audit.record({ name: who.name, role }, "clear_history");
		this.#room.connections.publish(this.#room.history.clear());
	}

	/** A new owner or moderator link (the old one stops working), or no moderator link: the owner's alone. */
	async #link(ws: WebSocket, who: Joined, frame: Frame<"link">): Promise<void> {
		if (!this.#allowed(ws, who, "owner")) return;
		const actor = { name: who.name, role: "owner" as const };
		if (frame.kind === "moderator" && frame.revoke) {
			this.#room.roles.revokeModeratorLink();
			this.#room.audit.record(actor, "revoke_moderator_link");
		} else {
			await this.#room.exclusively(async () => {
				const { secret, demoted } = await this.#room.roles.newLink(frame.kind, who.device);
				this.#room.audit.record(actor, frame.kind === "owner" ? "owner_link" : "moderator_link");
				this.#room.connections.sendTo(ws, { type: "link", kind: frame.kind, secret });
				for (const device of demoted) this.tellRole(device);
			});
			this.staffChanged();
		}
		this.toStaff(this.lists());
	}

	/**
	 * The owner makes a moderator a member again. The name is resolved to a
	 * device as the room compares names (case, NFKC, look-alikes): the
	 * moderators whose last name it is (as the lists show them), and the
	 * device of the member holding it now (a moderator in a second tab under
	 * another name). The role goes from the device, whatever name it used.
	 */
	#demote(ws: WebSocket, who: Joined, name: string) {
		if (!this.#allowed(ws, who, "owner")) return;
		const named = this.#room.roles.moderatorsNamed(name);
		const holder = this.#room.membership.holder(name);
		if (
			holder &&
			this.#room.roles.of(holder.device) === "moderator" &&
			!named.some((m) => m.device === holder.device)
		) {
			named.push({ device: holder.device, name: holder.name });
		}
		if (named.length === 0) return this.#room.refuse(ws, "not_found", `${name} is not a moderator of this room`);
		for (const m of named) {
			this.#room.roles.demote(m.device);
			this.#room.audit.record({ name: who.name, role: "owner" }, "demote", m.name);
			this.tellRole(m.device);
		}
		this.#revokeLinkOf({ name: who.name, role: "owner" }, named.map((m) => m.name).join(", "));
		this.staffChanged();
		this.toStaff(this.lists());
	}

	/**
	 * A moderator who is banned or removed keeps the moderator link they came
	 * in with, and device keys are free: the link stops working, or the same
	 * person would be a moderator again from a new key (and could lift their
	 * own ban). Moderators already made keep their role; the owner makes a new
	 * link for the next ones.
	 */
	#revokeLinkOf(actor: { name: string; role: Exclude<Role, "member"> }, whom: string): void {
		if (!this.#room.roles.hasModeratorLink()) return;
		this.#room.roles.revokeModeratorLink();
		this.#room.audit.record(actor, "revoke_moderator_link", whom, "its moderator was banned or removed");
	}

	/** The caller's role if it is at least `need`; otherwise the caller is told, and nothing changes. */
	#allowed(ws: WebSocket, who: Joined, need: "owner" | "moderator"): Exclude<Role, "member"> | undefined {
		const role = this.#room.roles.of(who.device);
		if (role !== "member" && atLeast(role, need)) return role;
		const reason =
			need === "owner" ? "Only the room's owner can do that" : "Only the room's owner and moderators can do that";
		this.#room.refuse(ws, "forbidden", reason);
		return undefined;
	}

	/** Whom an action is for: the member holding a name, or the sender of a message (who may have left). */
	#resolve(target: Target): { device: string; name: string } | undefined {
		if ("seq" in target) return this.#room.history.senderOf(target.seq);
		const member = this.#room.membership.holder(target.name);
		return member && { device: member.device, name: member.name };
	}

	/** The room's owners and moderators among its members. */
	staff() {
		return this.#room.roles.staff(this.#room.membership.members());
	}

	/** Tells everyone who moderates, when that has changed. */
	staffChanged(): void {
		const staff = this.staff();
		const json = JSON.stringify(staff);
		if (json === this.#staffSent) return;
		this.#staffSent = json;
		this.#room.connections.broadcast({ type: "staff", staff });
	}

	/** Tells a device's pages its role. */
	tellRole(device: string): void {
		const role = this.#room.roles.of(device);
		for (const ws of this.#room.connections.socketsOf(device))
			this.#room.connections.sendTo(ws, { type: "role", role });
	}

	/** What Room settings lists: mutes, bans, moderators, whether a moderator link works. */
	lists(): ServerMessage {
		return {
			type: "moderation",
			...this.#room.restrictions.lists(),
			moderators: this.#room.roles.moderators(),
			moderatorLink: this.#room.roles.hasModeratorLink(),
		};
	}

	/** Sends a frame to the pages of owners and moderators. */
	toStaff(message: ServerMessage): void {
		this.#room.connections.broadcast(
			message,
			undefined,
			(s) => s.joined !== undefined && this.#room.roles.of(s.joined.device) !== "member",
		);
	}
}

/** A time for a reason text; pages of version 3 show `until` in the reader's own time instead. */
export function utc(at: number): string {
	return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function bannedReason(until: number | null): string {
	return until === null
		? "You are banned from this room until a moderator lifts the ban"
		: `You are banned from this room until ${utc(until)}`;
}
