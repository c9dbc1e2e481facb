/**
 * What owners and moderators do: mute, kick or ban a member, lift a mute or
 * a ban, change the room's settings, clear its history, make or revoke
 * links, demote a moderator, read the lists and the audit log. Every frame
 * is checked against the sender's role first; a wrong role gets `forbidden`
 * and nothing changes. ChatRoom says when these apply; this module says how.
 */
import {
	atLeast,
	CLOSE_KICKED,
	type ClientMessage,
	outranks,
	type Role,
	type ServerMessage,
	type Target,
} from "../../protocol";
import type { AuditLog } from "./audit-log";
import type { Connections, Joined } from "./connections";
import type { RoomDoor } from "./door";
import type { History } from "./history";
import type { Membership } from "./membership";
import { type Ban, type Restrictions, utc } from "./restrictions";
import type { Roles } from "./roles";
import type { Settings } from "./room-settings";

type Frame<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

/** Mute, kick and ban: what changes who may be in the room and speak, and so what the room's alarm waits for. */
export type RestrictFrame = Frame<"mute" | "kick" | "ban">;

/** The other staff frames, which need a joined sender too (claim does not). */
export type StaffFrame = Frame<"lift" | "settings" | "clear_history" | "link" | "demote" | "moderation" | "audit">;

/** What staff actions work on: the room's parts, its door, and the one runtime call a new link needs. */
export interface StaffActionsParts {
	connections: Connections;
	door: RoomDoor;
	membership: Membership;
	history: History;
	roles: Roles;
	restrictions: Restrictions;
	settings: Settings;
	audit: AuditLog;
	/** Holds the room's other events while a new link's secret is hashed and stored. */
	state: Pick<DurableObjectState, "blockConcurrencyWhile">;
}

export class StaffActions {
	readonly #connections: Connections;
	readonly #door: RoomDoor;
	readonly #membership: Membership;
	readonly #history: History;
	readonly #roles: Roles;
	readonly #restrictions: Restrictions;
	readonly #settings: Settings;
	readonly #audit: AuditLog;
	readonly #state: StaffActionsParts["state"];
	/** The staff list last broadcast, to send it again only when it changes. */
	#staffSent = "";

	constructor(parts: StaffActionsParts) {
		this.#connections = parts.connections;
		this.#door = parts.door;
		this.#membership = parts.membership;
		this.#history = parts.history;
		this.#roles = parts.roles;
		this.#restrictions = parts.restrictions;
		this.#settings = parts.settings;
		this.#audit = parts.audit;
		this.#state = parts.state;
	}

	handle(ws: WebSocket, who: Joined, frame: StaffFrame): void | Promise<void> {
		switch (frame.type) {
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
				if (this.#allowed(ws, who, "moderator")) this.#connections.sendTo(ws, this.lists());
				return;
			case "audit":
				if (this.#allowed(ws, who, "moderator")) {
					this.#connections.sendTo(ws, { type: "audit", ...this.#audit.page(frame.before) });
				}
				return;
		}
	}

	/**
	 * Mute, kick or ban: by an owner or a moderator, on someone below them.
	 * Returns whether it was done (the room's alarm then has new ends to wait
	 * for, and departures no longer due).
	 */
	act(ws: WebSocket, who: Joined, frame: RestrictFrame): boolean {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return false;
		const target = this.#resolve(frame.target);
		if (!target) {
			this.#door.refuse(ws, "not_found", "There is no such member in this room");
			return false;
		}
		const theirs = this.#roles.of(target.device);
		if (target.device === who.device || !outranks(role, theirs)) {
			this.#door.refuse(
				ws,
				"forbidden",
				"You can only act on people below you: not yourself, an owner or a fellow moderator",
			);
			return false;
		}
		const actor = { name: who.name, role };
		const now = Date.now();
		if (frame.type === "mute") {
			const until = this.#restrictions.mute(target.device, target.name, frame.minutes, now);
			this.#audit.record(actor, "mute", target.name, `${frame.minutes} minutes, until ${utc(until)}`, now);
		} else if (frame.type === "kick") {
			if (this.#connections.socketsOf(target.device).length === 0) {
				this.#door.refuse(ws, "not_found", `${target.name} is not in the room`);
				return false;
			}
			this.#audit.record(actor, "kick", target.name, undefined, now);
			this.#remove(target);
		} else {
			const ip = this.#connections.socketsOf(target.device)[0];
			const address = ip ? this.#connections.session(ip).ip : this.#restrictions.addressOf(target.device);
			const ban = this.#restrictions.ban(target.device, target.name, address, frame.hours, now);
			// A moderator who is banned is a moderator no more: the device, under whatever name it used.
			if (theirs === "moderator") this.#roles.demote(target.device);
			this.#audit.record(
				actor,
				"ban",
				target.name,
				ban.until === null ? "until lifted" : `until ${utc(ban.until)}`,
				now,
			);
			this.#remove(target, ban);
			if (theirs === "moderator") this.#revokeLinkOf(actor, target.name);
		}
		this.toStaff(this.lists());
		return true;
	}

	/**
	 * Takes someone out of the room at once: their sockets close with a clear
	 * reason (a banned device is turned away as at the door; frames of theirs
	 * still on the wire are dropped), and the room says "Ana was removed by a
	 * moderator", with no "left the chat" after it.
	 */
	#remove(target: { device: string; name: string }, ban?: Ban): void {
		const sockets = this.#connections.socketsOf(target.device);
		for (const ws of sockets) {
			if (ban) this.#door.turnAway(ws, ban.until);
			else this.#door.close(ws, CLOSE_KICKED, "You were removed from the room by a moderator; you may come back");
		}
		const held = this.#membership.members().filter((m) => m.device === target.device);
		for (const m of held) this.#membership.remove(m.memberKey);
		if (held.length > 0 || sockets.length > 0) {
			this.#connections.publish(this.#history.announce("removed", held[0]?.name ?? target.name));
		}
		this.staffChanged();
	}

	/** Lifts a mute or a ban from the Room settings list; no one lifts their own. */
	#lift(ws: WebSocket, who: Joined, frame: Frame<"lift">) {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return;
		const held = this.#restrictions.whose(frame.id);
		// A restriction on someone at or above the lifter (a moderator the owner muted) is not theirs to lift.
		if (held !== undefined && held !== who.device && !outranks(role, this.#roles.of(held))) {
			return this.#door.refuse(
				ws,
				"forbidden",
				"You can only lift what holds people below you: not yourself, an owner or a fellow moderator",
			);
		}
		const lifted = this.#restrictions.lift(frame.id, who.device);
		if (lifted === "own") return this.#door.refuse(ws, "forbidden", "No one can lift their own mute or ban");
		if (!lifted) return this.#door.refuse(ws, "not_found", "That mute or ban has already ended");
		this.#audit.record({ name: who.name, role }, lifted.kind === "mute" ? "lift_mute" : "lift_ban", lifted.name);
		this.toStaff(this.lists());
	}

	/** Slow mode and the lock: by owners and moderators, told to everyone. */
	#changeSettings(ws: WebSocket, who: Joined, frame: Frame<"settings">): void {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return;
		const changed = this.#settings.update({ slowMode: frame.slowMode, locked: frame.locked });
		const actor = { name: who.name, role };
		if (changed.slowMode !== undefined) {
			this.#audit.record(actor, "slow_mode", undefined, changed.slowMode === 0 ? "off" : `${changed.slowMode} s`);
		}
		if (changed.locked !== undefined) this.#audit.record(actor, changed.locked ? "lock" : "unlock");
		this.#connections.broadcast({ type: "settings", settings: this.#settings.current });
	}

	/** Clears the history: its lines are deleted from storage, and every page starts again from a `cleared` line. */
	#clearHistory(ws: WebSocket, who: Joined): void {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return;
		this.#audit.record({ name: who.name, role }, "clear_history");
		this.#connections.publish(this.#history.clear());
	}

	/** A new owner or moderator link (the old one stops working), or no moderator link: the owner's alone. */
	async #link(ws: WebSocket, who: Joined, frame: Frame<"link">): Promise<void> {
		// A room always has an owner link: "revoking" it would only make a new one, quietly demoting the other owners.
		// Checked here, not in the schema: a valibot check on two fields would weigh on the first screen's bundle.
		if (frame.kind === "owner" && frame.revoke) {
			return this.#door.refuse(ws, "invalid_frame", "revoke: Only the moderator link can be revoked");
		}
		if (!this.#allowed(ws, who, "owner")) return;
		const actor = { name: who.name, role: "owner" as const };
		if (frame.kind === "moderator" && frame.revoke) {
			this.#roles.revokeModeratorLink();
			this.#audit.record(actor, "revoke_moderator_link");
		} else {
			await this.#state.blockConcurrencyWhile(async () => {
				const { secret, demoted } = await this.#roles.newLink(frame.kind, who.device);
				this.#audit.record(actor, frame.kind === "owner" ? "owner_link" : "moderator_link");
				this.#connections.sendTo(ws, { type: "link", kind: frame.kind, secret });
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
		const named = this.#roles.moderatorsNamed(name);
		const holder = this.#membership.holder(name);
		if (holder && this.#roles.of(holder.device) === "moderator" && !named.some((m) => m.device === holder.device)) {
			named.push({ device: holder.device, name: holder.name });
		}
		if (named.length === 0) return this.#door.refuse(ws, "not_found", `${name} is not a moderator of this room`);
		for (const m of named) {
			this.#roles.demote(m.device);
			this.#audit.record({ name: who.name, role: "owner" }, "demote", m.name);
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
		if (!this.#roles.hasModeratorLink()) return;
		this.#roles.revokeModeratorLink();
		this.#audit.record(actor, "revoke_moderator_link", whom, "its moderator was banned or removed");
	}

	/** The caller's role if it is at least `need`; otherwise the caller is told, and nothing changes. */
	#allowed(ws: WebSocket, who: Joined, need: "owner" | "moderator"): Exclude<Role, "member"> | undefined {
		const role = this.#roles.of(who.device);
		if (role !== "member" && atLeast(role, need)) return role;
		const reason =
			need === "owner" ? "Only the room's owner can do that" : "Only the room's owner and moderators can do that";
		this.#door.refuse(ws, "forbidden", reason);
		return undefined;
	}

	/** Whom an action is for: the member holding a name, or the sender of a message (who may have left). */
	#resolve(target: Target): { device: string; name: string } | undefined {
		if ("seq" in target) return this.#history.senderOf(target.seq);
		const member = this.#membership.holder(target.name);
		return member && { device: member.device, name: member.name };
	}

	/** The room's owners and moderators among its members. */
	staff() {
		return this.#roles.staff(this.#membership.members());
	}

	/** Tells everyone who moderates, when that has changed. */
	staffChanged(): void {
		const staff = this.staff();
		const json = JSON.stringify(staff);
		if (json === this.#staffSent) return;
		this.#staffSent = json;
		this.#connections.broadcast({ type: "staff", staff });
	}

	/** Tells a device's pages its role. */
	tellRole(device: string): void {
		const role = this.#roles.of(device);
		for (const ws of this.#connections.socketsOf(device)) this.#connections.sendTo(ws, { type: "role", role });
	}

	/** What Room settings lists: mutes, bans, moderators, whether a moderator link works. */
	lists(): ServerMessage {
		return {
			type: "moderation",
			...this.#restrictions.lists(),
			moderators: this.#roles.moderators(),
			moderatorLink: this.#roles.hasModeratorLink(),
		};
	}

	/** Sends a frame to the pages of owners and moderators. */
	toStaff(message: ServerMessage): void {
		this.#connections.broadcast(
			message,
			undefined,
			(s) => s.joined !== undefined && this.#roles.of(s.joined.device) !== "member",
		);
	}
}
