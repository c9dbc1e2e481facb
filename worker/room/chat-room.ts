/**
 * ChatRoom: one Durable Object per room. It holds the room's sockets (with
 * the Hibernation API, so an idle room costs nothing), keeps the room in its
 * SQLite storage and broadcasts. This class says what the room does and
 * when; each concern's rules live in a module named for it.
 */
import { DurableObject } from "cloudflare:workers";
import {
	CLOSE_BANNED,
	CLOSE_KICKED,
	type ClientMessage,
	clientVersion,
	type ErrorCode,
	LIMITS,
	PROTOCOL_VERSION,
	parseClientFrame,
	type Role,
	type ServerMessage,
	type Target,
} from "../../protocol";
import { type RoomConfig, roomConfig } from "../config";
import { Admission } from "../limits/admission";
import { addressKey } from "../limits/rate-limiter";
import { migrate } from "../store/schema";
import { AuditLog } from "./audit-log";
import { Connections, type Joined, type Session } from "./connections";
import { History } from "./history";
import { Membership } from "./membership";
import { Moderation } from "./moderation";
import { atLeast, type Proof, Roles } from "./roles";
import { Settings } from "./room-settings";
import { Typing } from "./typing";

type Frame<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

const encoder = new TextEncoder();

export class ChatRoom extends DurableObject<Env> {
	readonly #config: RoomConfig;
	readonly #connections: Connections;
	readonly #admission: Admission;
	readonly #history: History;
	readonly #membership: Membership;
	readonly #typing = new Typing();
	readonly #roles: Roles;
	readonly #moderation: Moderation;
	readonly #settings: Settings;
	readonly #audit: AuditLog;
	/** The staff list last broadcast, to send it again only when it changes. */
	#staffSent = "";

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#config = roomConfig(env);
		migrate(ctx.storage.sql);
		this.#connections = new Connections(ctx);
		this.#history = new History(ctx.storage.sql, this.#config.historyLimit);
		this.#membership = new Membership(ctx.storage.sql, this.#config.leaveGraceMs);
		this.#roles = new Roles(ctx.storage.sql, this.#room, env.OPERATOR_TOKEN);
		this.#moderation = new Moderation(ctx.storage.sql, this.#config.addressBanMs);
		this.#settings = new Settings(ctx.storage.sql, (user) => this.#history.lastSentBy(user));
		this.#audit = new AuditLog(ctx.storage.sql);
		this.#admission = new Admission(
			this.#config,
			(ip, used, want) => env.RATE_LIMITER.getByName(ip).charge(used, want),
			(work) => ctx.waitUntil(work),
		);
		ctx.blockConcurrencyWhile(async () => {
			// After a restart every socket is gone without a close event.
			this.#membership.reconcile(this.#connections.presentKeys());
			await this.#scheduleAlarm();
		});
	}

	/** The room's name: the name the worker reached this object by. */
	get #room(): string {
		return this.ctx.id.name ?? "";
	}

	/** Accepts a WebSocket (the worker has checked the room name and the origin). */
	override async fetch(request: Request): Promise<Response> {
		const ip = addressKey(request.headers.get("CF-Connecting-IP"));
		if (this.#connections.countFrom(ip) >= this.#config.maxSocketsPerIp) {
			return Response.json(
				{ error: "too_many_connections", reason: "Too many open connections from your address in this room" },
				{ status: 429 },
			);
		}
		const { 0: client, 1: server } = new WebSocketPair();
		this.#connections.accept(server, { ip, version: clientVersion(request.url) });
		return new Response(null, { status: 101, webSocket: client });
	}

	/** A page of history, for scrolling back: up to `limit` messages before `before`. */
	history(before: number, limit: number) {
		return this.#history.page(before, limit);
	}

	override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		const session = this.#connections.session(ws);
		if (session.shut) return;
		const verdict = this.#admission.admit(ws, session.ip);
		if (!verdict.ok) {
			if ("close" in verdict) return this.#shutDown(ws, 1008, "Too many messages");
			return this.#connections.sendTo(ws, {
				type: "error",
				code: "rate_limited",
				reason: "You are sending too fast; wait a moment",
				retryAfter: Math.ceil(verdict.retryAfterMs / 1000),
			});
		}
		if (tooLarge(data)) return this.#shutDown(ws, 1009, `Frame larger than ${LIMITS.frameBytes} bytes`);
		if (typeof data !== "string") {
			return this.#refuse(ws, "binary_frame", "Frames must be text (JSON), not binary");
		}
		const parsed = parseClientFrame(data);
		if (!parsed.ok) return this.#refuse(ws, parsed.code, parsed.reason, parsed.id);
		const frame = parsed.frame;
		if (frame.type === "join") return this.#join(ws, session, frame);
		// Before joining too: a locked room or an address ban must know an owner or moderator at the door.
		if (frame.type === "claim") return this.#claim(ws, frame.secret);
		const who = session.joined;
		if (!who) return this.#refuse(ws, "not_joined", "Join the room before sending anything else");
		switch (frame.type) {
			case "send":
				return this.#send(ws, who, frame);
			case "typing":
				if (this.#moderation.mutedUntil(who.user) !== undefined) return;
				if (this.#typing.pass(ws)) this.#connections.broadcast({ type: "typing", name: who.name }, ws);
				return;
			case "sync":
				return this.#connections.sendTo(ws, { type: "history", messages: this.#history.after(frame.since) });
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
				if (this.#allowed(ws, who, "moderator")) this.#connections.sendTo(ws, this.#lists());
				return;
			case "audit":
				if (this.#allowed(ws, who, "moderator")) {
					this.#connections.sendTo(ws, { type: "audit", ...this.#audit.page(frame.before) });
				}
				return;
		}
	}

	override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
		this.#leave(ws);
		try {
			ws.close(code === 1005 || code === 1006 ? 1000 : code, "Bye");
		} catch {
			// already closed
		}
	}

	override async webSocketError(ws: WebSocket): Promise<void> {
		this.#leave(ws);
	}

	/**
	 * The room's one alarm: says "left the chat" for everyone whose grace
	 * period ran out without a reconnect, and ends the mutes and bans due.
	 */
	override async alarm(): Promise<void> {
		for (const gone of this.#membership.gone(this.#connections.presentKeys())) {
			this.#connections.publish(this.#history.announce("leave", gone.name));
		}
		this.#staffChanged();
		if (this.#moderation.expire()) this.#toStaff(this.#lists());
		await this.#scheduleAlarm();
	}

	/**
	 * A name is the room's to give: taken names are refused; a new arrival is
	 * announced to all. A banned member is turned away and their socket
	 * closed; a locked room lets in only devices that have been in it.
	 */
	#join(ws: WebSocket, session: Session, frame: Frame<"join">) {
		if (session.joined) return this.#refuse(ws, "already_joined", "This connection has already joined the room");
		const proof = session.proof;
		const role = proof && !atLeast(this.#roles.of(frame.user), proof.role) ? proof.role : this.#roles.of(frame.user);
		if (role === "member") {
			const ban = this.#moderation.banOf(frame.user, session.ip);
			if (ban) return this.#turnAway(ws, ban.until);
			if (this.#settings.current.locked && !this.#moderation.hasVisited(frame.user)) {
				return this.#refuse(ws, "room_locked", "This room is locked: only people who have been in it before may join");
			}
		}
		const claim = this.#membership.claim(frame.name, frame.user);
		if (!claim.ok) {
			return this.#refuse(ws, "name_taken", `The name "${frame.name}" is taken in this room; please choose another`);
		}
		if (proof) this.#grant(claim.who, proof);
		this.#roles.noteName(frame.user, claim.who.name);
		this.#moderation.visit(frame.user, session.ip);
		// What is stored goes out to the others first, so that this socket's stream begins at its welcome.
		this.#connections.flush();
		this.#connections.save(ws, { ip: session.ip, version: session.version, joined: claim.who });
		this.#connections.sendTo(ws, {
			type: "welcome",
			version: PROTOCOL_VERSION,
			room: this.#room,
			name: claim.who.name,
			...this.#history.opening(frame.since),
			online: this.#membership.online(),
			role: this.#roles.of(frame.user),
			staff: this.#staff(),
			settings: this.#settings.current,
		});
		if (!claim.returning) this.#connections.publish(this.#history.announce("join", claim.who.name));
		this.#staffChanged();
	}

	/**
	 * A message is stored once per client id, acknowledged to its sender, and
	 * broadcast to all; unless its sender is muted, or, under slow mode, sent
	 * too soon (owners and moderators are not slowed). A retry of a stored
	 * message is acknowledged whatever has happened since.
	 */
	#send(ws: WebSocket, who: Joined, frame: Frame<"send">) {
		const stored = this.#history.stored(who, frame.id);
		if (stored !== undefined) return this.#connections.sendTo(ws, { type: "ack", id: frame.id, seq: stored });
		const now = Date.now();
		const mutedUntil = this.#moderation.mutedUntil(who.user, now);
		if (mutedUntil !== undefined) {
			return this.#connections.sendTo(ws, {
				type: "error",
				code: "muted",
				reason: `You are muted until ${utc(mutedUntil)}`,
				id: frame.id,
				until: mutedUntil,
			});
		}
		const role = this.#roles.of(who.user);
		const wait = role === "member" ? this.#settings.slowModeWait(who.user, now) : 0;
		if (wait > 0) {
			const seconds = Math.ceil(wait / 1000);
			return this.#connections.sendTo(ws, {
				type: "error",
				code: "slow_mode",
				reason: `Slow mode is on: you can send again in ${seconds} s`,
				id: frame.id,
				retryAfter: seconds,
				until: now + wait,
			});
		}
		const { seq, line } = this.#history.post(who, frame.id, frame.text, role === "member" ? undefined : role);
		if (line) this.#settings.sent(who.user, line.at);
		this.#connections.sendTo(ws, { type: "ack", id: frame.id, seq });
		if (line) this.#connections.publish(line);
	}

	/**
	 * A secret from a link (or the operator token). Hashing is asynchronous,
	 * so the room holds every other event meanwhile: a `join` right behind
	 * the claim must find its role.
	 */
	#claim(ws: WebSocket, secret: string): Promise<void> {
		return this.ctx.blockConcurrencyWhile(async () => {
			const proof = await this.#roles.prove(secret);
			if (!proof) return this.#refuse(ws, "bad_secret", "This link is not valid: it may have been replaced");
			const session = this.#connections.session(ws);
			if (session.shut) return;
			if (!session.joined) return this.#connections.save(ws, { ...session, proof });
			this.#grant(session.joined, proof);
			this.#staffChanged();
		});
	}

	/** Gives a device the role a secret proved, tells its pages, and writes it in the audit log. */
	#grant(who: Joined, proof: Proof): void {
		if (!this.#roles.grant(who.user, who.name, proof.role)) return;
		this.#audit.record(
			{ name: who.name, role: proof.role },
			proof.role === "owner" ? "claim_owner" : "claim_moderator",
			undefined,
			proof.via,
		);
		this.#tellRole(who.user);
	}

	/** Mute, kick or ban: by an owner or a moderator, on someone below them. */
	#act(ws: WebSocket, who: Joined, frame: Frame<"mute" | "kick" | "ban">) {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return;
		const target = this.#resolve(frame.target);
		if (!target) return this.#refuse(ws, "not_found", "There is no such member in this room");
		const theirs = this.#roles.of(target.user);
		if (target.user === who.user || atLeast(theirs, role)) {
			return this.#refuse(
				ws,
				"forbidden",
				"You can only act on people below you: not yourself, an owner or a fellow moderator",
			);
		}
		const actor = { name: who.name, role };
		const now = Date.now();
		if (frame.type === "mute") {
			const until = this.#moderation.mute(target.user, target.name, frame.minutes, now);
			this.#audit.record(actor, "mute", target.name, `${frame.minutes} minutes, until ${utc(until)}`, now);
		} else if (frame.type === "kick") {
			if (this.#connections.socketsOf(target.user).length === 0) {
				return this.#refuse(ws, "not_found", `${target.name} is not in the room`);
			}
			this.#audit.record(actor, "kick", target.name, undefined, now);
			this.#remove(target, CLOSE_KICKED, "You were removed from the room by a moderator; you may come back");
		} else {
			const ip = this.#connections.socketsOf(target.user)[0];
			const address = ip ? this.#connections.session(ip).ip : this.#moderation.addressOf(target.user);
			const ban = this.#moderation.ban(target.user, target.name, address, frame.hours, now);
			// A moderator who is banned is a moderator no more.
			if (theirs === "moderator") this.#roles.demote(target.name);
			this.#audit.record(
				actor,
				"ban",
				target.name,
				ban.until === null ? "until lifted" : `until ${utc(ban.until)}`,
				now,
			);
			this.#remove(target, CLOSE_BANNED, bannedReason(ban.until), { until: ban.until });
		}
		this.#toStaff(this.#lists());
		this.ctx.waitUntil(this.#scheduleAlarm());
	}

	/**
	 * Takes someone out of the room at once: their sockets close with a clear
	 * reason (frames of theirs still on the wire are dropped), and the room
	 * says "Ana was removed by a moderator", with no "left the chat" after it.
	 */
	#remove(target: { user: string; name: string }, code: number, reason: string, ban?: { until: number | null }): void {
		const sockets = this.#connections.socketsOf(target.user);
		for (const ws of sockets) {
			if (ban) {
				this.#connections.sendTo(ws, {
					type: "error",
					code: "banned",
					reason,
					...(ban.until !== null && { until: ban.until }),
				});
			}
			this.#close(ws, code, reason);
		}
		const held = this.#membership.members().filter((m) => m.userKey === target.user);
		for (const m of held) this.#membership.remove(m.nameKey);
		if (held.length > 0 || sockets.length > 0) {
			this.#connections.publish(this.#history.announce("removed", held[0]?.name ?? target.name));
		}
		this.#staffChanged();
	}

	/** Lifts a mute or a ban from the Room settings list. */
	#lift(ws: WebSocket, who: Joined, frame: Frame<"lift">) {
		const role = this.#allowed(ws, who, "moderator");
		if (!role) return;
		const lifted = this.#moderation.lift(frame.id);
		if (!lifted) return this.#refuse(ws, "not_found", "That mute or ban has already ended");
		this.#audit.record({ name: who.name, role }, lifted.kind === "mute" ? "lift_mute" : "lift_ban", lifted.name);
		this.#toStaff(this.#lists());
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
		if (!this.#allowed(ws, who, "owner")) return;
		const actor = { name: who.name, role: "owner" as const };
		if (frame.kind === "moderator" && frame.revoke) {
			this.#roles.revokeModeratorLink();
			this.#audit.record(actor, "revoke_moderator_link");
		} else {
			await this.ctx.blockConcurrencyWhile(async () => {
				const { secret, demoted } = await this.#roles.newLink(frame.kind, who.user);
				this.#audit.record(actor, frame.kind === "owner" ? "owner_link" : "moderator_link");
				this.#connections.sendTo(ws, { type: "link", kind: frame.kind, secret });
				for (const user of demoted) this.#tellRole(user);
			});
			this.#staffChanged();
		}
		this.#toStaff(this.#lists());
	}

	/** The owner makes a moderator a member again. */
	#demote(ws: WebSocket, who: Joined, name: string) {
		if (!this.#allowed(ws, who, "owner")) return;
		const user = this.#roles.demote(name);
		if (!user) return this.#refuse(ws, "not_found", `${name} is not a moderator of this room`);
		this.#audit.record({ name: who.name, role: "owner" }, "demote", name);
		this.#tellRole(user);
		this.#staffChanged();
		this.#toStaff(this.#lists());
	}

	/** The caller's role if it is at least `need`; otherwise the caller is told, and nothing changes. */
	#allowed(ws: WebSocket, who: Joined, need: "owner" | "moderator"): Exclude<Role, "member"> | undefined {
		const role = this.#roles.of(who.user);
		if (role !== "member" && atLeast(role, need)) return role;
		const reason =
			need === "owner" ? "Only the room's owner can do that" : "Only the room's owner and moderators can do that";
		this.#refuse(ws, "forbidden", reason);
		return undefined;
	}

	/** Whom an action is for: the member holding a name, or the sender of a message (who may have left). */
	#resolve(target: Target): { user: string; name: string } | undefined {
		if ("seq" in target) return this.#history.senderOf(target.seq);
		const member = this.#membership.holder(target.name);
		return member && { user: member.userKey, name: member.name };
	}

	/** The room's owners and moderators among its members. */
	#staff() {
		return this.#roles.staff(this.#membership.members());
	}

	/** Tells everyone who moderates, when that has changed. */
	#staffChanged(): void {
		const staff = this.#staff();
		const json = JSON.stringify(staff);
		if (json === this.#staffSent) return;
		this.#staffSent = json;
		this.#connections.broadcast({ type: "staff", staff });
	}

	/** Tells a device's pages its role. */
	#tellRole(user: string): void {
		const role = this.#roles.of(user);
		for (const ws of this.#connections.socketsOf(user)) this.#connections.sendTo(ws, { type: "role", role });
	}

	/** What Room settings lists: mutes, bans, moderators, whether a moderator link works. */
	#lists(): ServerMessage {
		return {
			type: "moderation",
			...this.#moderation.lists(),
			moderators: this.#roles.moderators(),
			moderatorLink: this.#roles.hasModeratorLink(),
		};
	}

	/** Sends a frame to the pages of owners and moderators. */
	#toStaff(message: ServerMessage): void {
		this.#connections.broadcast(
			message,
			undefined,
			(s) => s.joined !== undefined && this.#roles.of(s.joined.user) !== "member",
		);
	}

	/** Refuses a banned member at the door and closes the socket. */
	#turnAway(ws: WebSocket, until: number | null): void {
		const reason = bannedReason(until);
		this.#connections.sendTo(ws, { type: "error", code: "banned", reason, ...(until !== null && { until }) });
		this.#close(ws, CLOSE_BANNED, reason);
	}

	/** A socket is gone: when it was its person's last, they are announced as gone after the grace period. */
	#leave(ws: WebSocket): void {
		const who = this.#connections.session(ws).joined;
		this.#connections.forget(ws);
		this.#admission.forget(ws);
		if (!who || this.#connections.present(ws).some((p) => p.key === who.key)) return;
		this.#membership.depart(who);
		this.ctx.waitUntil(this.#scheduleAlarm());
	}

	/** Sets the room's one alarm for the earliest thing due: a departure, or the end of a mute or ban. */
	async #scheduleAlarm(): Promise<void> {
		const due = [this.#membership.nextDue(), this.#moderation.nextDue()].filter((t) => t !== undefined);
		if (due.length === 0) return;
		const next = Math.min(...due);
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > next) await this.ctx.storage.setAlarm(next);
	}

	/** Closes a socket for breaking the rules; it has no say from then on. */
	#shutDown(ws: WebSocket, code: number, reason: string): void {
		this.#leave(ws);
		this.#close(ws, code, reason);
	}

	/** Closes a socket for good, without a departure: the caller has said what became of its person. */
	#close(ws: WebSocket, code: number, reason: string): void {
		const session = this.#connections.session(ws);
		this.#connections.forget(ws);
		this.#admission.forget(ws);
		// In the attachment, not only in memory: frames still on the wire behind the close are ignored,
		// and the socket no longer counts as joined, even after hibernation.
		this.#connections.save(ws, { ip: session.ip, version: session.version, shut: true });
		try {
			ws.close(code, reason);
		} catch {
			// already closed
		}
	}

	#refuse(ws: WebSocket, code: ErrorCode, reason: string, id?: string): void {
		this.#connections.sendTo(ws, { type: "error", code, reason, ...(id !== undefined && { id }) });
	}
}

/** A time for a reason text; pages of version 3 show `until` in the reader's own time instead. */
function utc(at: number): string {
	return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function bannedReason(until: number | null): string {
	return until === null
		? "You are banned from this room until a moderator lifts the ban"
		: `You are banned from this room until ${utc(until)}`;
}

/** Whether a frame is over the size limit; text is encoded only when it could be. */
function tooLarge(data: string | ArrayBuffer): boolean {
	if (typeof data !== "string") return data.byteLength > LIMITS.frameBytes;
	// UTF-8 takes at most 3 bytes per UTF-16 code unit, so shorter text cannot be over.
	return data.length > LIMITS.frameBytes / 3 && encoder.encode(data).byteLength > LIMITS.frameBytes;
}
