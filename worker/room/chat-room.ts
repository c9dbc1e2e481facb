/**
 * ChatRoom: one Durable Object per room. It holds the room's sockets (with
 * the Hibernation API, so an idle room costs nothing), keeps the room in its
 * SQLite storage and broadcasts. This class says what the room does and
 * when; each concern's rules live in a module named for it.
 */
import { DurableObject } from "cloudflare:workers";
import {
	atLeast,
	type ChatMessage,
	type ClientMessage,
	clientVersion,
	type ErrorCode,
	HEARTBEAT,
	type Joiner,
	LIMITS,
	PROTOCOL_VERSION,
	parseClientFrame,
	type StoredId,
} from "../../protocol";
import { roomConfig } from "../config";
import { Admission, type Verdict } from "../limits/admission";
import { addressKey } from "../limits/rate-limiter";
import { Notifier } from "../push/notifier";
import { vapidKeys } from "../push/sender";
import { MessageStore } from "../store/messages";
import { hasSchema, migrate } from "../store/schema";
import { AuditLog } from "./audit-log";
import type { Outcome, Refusal } from "./changes";
import { Connections, type Joined, type Session } from "./connections";
import { RoomDoor } from "./door";
import { Edits } from "./edits";
import { History } from "./history";
import { IdleSockets, JOIN_TIMEOUT_CODE } from "./idle-sockets";
import { Membership } from "./membership";
import { Mentions } from "./mentions";
import { forOldPage, linesForPage, messagesForPage } from "./old-pages";
import { Reactions } from "./reactions";
import { bannedReason, Restrictions, utc } from "./restrictions";
import { type Proof, Roles } from "./roles";
import { Settings } from "./room-settings";
import { RoomTitle } from "./room-title";
import { StaffActions } from "./staff-actions";
import { Typing } from "./typing";

type Frame<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

/** Why history over HTTP is not shown to a reader: the socket's refusals, as the JSON of a 403. */
export type HistoryRefusal = { error: Extract<ErrorCode, "banned" | "room_locked">; reason: string; until?: number };

const encoder = new TextEncoder();

export class ChatRoom extends DurableObject<Env> {
	readonly #config = roomConfig(this.env);
	readonly #sql = this.ctx.storage.sql;
	/** Whether the room has storage: made by its first join, so that reading an empty room writes nothing. */
	#stored = hasSchema(this.#sql);

	// The room's parts, each a module named for its rules. None reads storage when built:
	// a room only ever read has none, and a stored one is migrated in the constructor first.
	readonly #connections = new Connections(this.ctx);
	readonly #idle = new IdleSockets(this.#connections, this.#config.joinWithinMs);
	readonly #admission = new Admission(
		this.#config,
		(ip, used, want) => this.env.RATE_LIMITER.getByName(ip).charge(used, want),
		(work) => this.ctx.waitUntil(work),
	);
	readonly #door = new RoomDoor(this.#connections, this.#admission);
	readonly #typing = new Typing();
	readonly #membership = new Membership(this.#sql, this.#config.leaveGraceMs);
	/** One store for history, edits and reactions: it keeps the room's newest seq in memory. */
	readonly #lines = new MessageStore(this.#sql, this.#config.historyLimit);
	readonly #history = new History(this.#lines);
	readonly #edits = new Edits(this.#lines);
	readonly #reactions = new Reactions(this.#lines);
	readonly #mentions = new Mentions(this.#sql);
	readonly #title = new RoomTitle(this.#sql);
	readonly #roles = new Roles(this.#sql, this.#room, this.env.OPERATOR_TOKEN);
	readonly #restrictions = new Restrictions(this.#sql, this.#config.addressBanMs);
	readonly #settings = new Settings(this.#sql, this.#history);
	readonly #audit = new AuditLog(this.#sql);
	readonly #staffActions = new StaffActions({
		connections: this.#connections,
		door: this.#door,
		membership: this.#membership,
		history: this.#history,
		roles: this.#roles,
		restrictions: this.#restrictions,
		settings: this.#settings,
		audit: this.#audit,
		state: this.ctx,
	});
	readonly #push = new Notifier({
		sql: this.#sql,
		config: this.#config.push,
		vapid: vapidKeys(this.env),
		room: this.#room,
		background: this.ctx,
		bans: this.#restrictions,
	});

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		if (this.#stored) {
			// A stored room wakes with today's schema, and its members with today's name keys.
			migrate(this.#sql);
			this.#membership.upgradeKeys();
		}
		// The heartbeat is answered by the runtime, without waking a hibernated room (docs/protocol.md).
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.ping, HEARTBEAT.pong));
		ctx.blockConcurrencyWhile(async () => {
			if (!this.#stored) return;
			// After a restart every socket is gone without a close event.
			this.#membership.reconcile(this.#connections.presentMemberKeys());
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
		this.#connections.accept(server, { ip, version: clientVersion(request.url), joinBy: this.#idle.deadline() });
		await this.#scheduleAlarm();
		return new Response(null, { status: 101, webSocket: client });
	}

	/**
	 * A page of history over HTTP (before `before`, or around `around`), by
	 * the socket's rules: a banned device is refused, and so is a member's
	 * banned address (staff are not held by an address ban); a locked room
	 * shows its history only to devices that have been in it. Without a
	 * device key the reader is a member who has never been in the room.
	 */
	read(
		query: { before: number; limit: number; version: number } | { around: number; limit: number; version: number },
		reader: { device?: string | undefined; ip: string },
	): { messages: ChatMessage[]; hasMore: boolean } | HistoryRefusal {
		if (!this.#stored) return { messages: [], hasMore: false };
		const refused = this.#mayNotRead(reader.device, reader.ip);
		if (refused) return refused;
		return "around" in query
			? this.around(query.around, query.limit, query.version)
			: this.history(query.before, query.limit, query.version);
	}

	#mayNotRead(device: string | undefined, ip: string): HistoryRefusal | undefined {
		const role = device === undefined ? "member" : this.#roles.of(device);
		const ban = this.#restrictions.banOf(device ?? "", role === "member" ? ip : undefined);
		if (ban)
			return { error: "banned", reason: bannedReason(ban.until), ...(ban.until !== null && { until: ban.until }) };
		if (role === "member" && this.#settings.current.locked && !(device && this.#restrictions.hasVisited(device))) {
			return {
				error: "room_locked",
				reason: "This room is locked: only people who have been in it before may read it",
			};
		}
		return undefined;
	}

	/** A page of history, for scrolling back: up to `limit` messages before `before`, as a page of `version` takes them. */
	history(before: number, limit: number, version = PROTOCOL_VERSION): { messages: ChatMessage[]; hasMore: boolean } {
		if (!this.#stored) return { messages: [], hasMore: false };
		const page = this.#history.page(before, limit);
		return { ...page, messages: messagesForPage(version, page.messages) };
	}

	/** A page of history around message `seq`, for jumping to it (a page of version CHANGES_VERSION or newer asks). */
	around(seq: number, limit: number, version = PROTOCOL_VERSION): { messages: ChatMessage[]; hasMore: boolean } {
		if (!this.#stored) return { messages: [], hasMore: false };
		const page = this.#history.around(seq, limit);
		return { ...page, messages: messagesForPage(version, page.messages) };
	}

	/** How many open sockets an address holds here: asked by its RateLimiter when its own count may be stale. */
	socketsFrom(ip: string): number {
		return this.#connections.openFrom(ip);
	}

	override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		const session = this.#connections.session(ws);
		if (session.shut) return;
		const verdict = this.#admission.admit(ws, session.ip);
		if (!verdict.ok) return this.#overLimit(ws, verdict);
		if (tooLarge(data)) return this.#shutDown(ws, 1009, `Frame larger than ${LIMITS.frameBytes} bytes`);
		if (typeof data !== "string") {
			return this.#door.refuse(ws, "binary_frame", "Frames must be text (JSON), not binary");
		}
		const parsed = parseClientFrame(data);
		if (!parsed.ok && parsed.joiner) return this.#refuseName(ws, parsed.code, parsed.reason, parsed.joiner);
		if (!parsed.ok) return this.#door.refuse(ws, parsed.code, parsed.reason, parsed.id);
		const frame = parsed.frame;
		if (frame.type === "join") return this.#join(ws, session, frame);
		// Before joining too: a locked room or an address ban must know an owner or moderator at the door.
		if (frame.type === "claim") return this.#claim(ws, frame.secret);
		const who = session.joined;
		if (!who) return this.#door.refuse(ws, "not_joined", "Join the room before sending anything else");
		switch (frame.type) {
			case "send":
				return this.#send(ws, who, frame);
			case "typing":
				if (this.#restrictions.mutedUntil(who.device) !== undefined) return;
				if (this.#typing.pass(ws)) this.#connections.broadcast({ type: "typing", name: who.name }, ws);
				return;
			case "sync":
				return this.#connections.sendTo(ws, {
					type: "history",
					messages: linesForPage(session.version, this.#history.after(frame.since)),
				});
			case "title":
				return this.#retitle(ws, who, frame);
			case "edit":
				return this.#edit(ws, who, frame);
			case "delete":
				return this.#delete(ws, who, frame);
			case "react":
				return this.#changed(
					ws,
					frame.id,
					// Taking back one's own reaction is allowed even while muted: it says nothing.
					(frame.on ? this.#mutedChange(who, frame.id) : undefined) ??
						this.#reactions.react(who, frame.id, frame.seq, frame.emoji, frame.on),
				);
			case "subscribe": {
				const verdict = this.#push.subscribe(who, frame, this.#connections.presentDevices());
				if (!verdict.ok) return this.#door.refuse(ws, "invalid_subscription", verdict.reason);
				return;
			}
			case "unsubscribe":
				return this.#push.unsubscribe(who);
			case "mute":
			case "kick":
			case "ban":
				// A mute or a ban ends on the alarm; whoever is kicked or banned has no departure due.
				if (this.#staffActions.act(ws, who, frame)) this.ctx.waitUntil(this.#scheduleAlarm());
				return;
			default:
				return this.#staffActions.handle(ws, who, frame);
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
	 * The room's one alarm: closes the sockets whose time to join ran out,
	 * says "left the chat" for everyone whose grace period ran out without a
	 * reconnect, ends the mutes and bans due, and sends the pushes held for
	 * devices whose interval ended.
	 */
	override async alarm(): Promise<void> {
		for (const ws of this.#idle.expired()) this.#shutDown(ws, JOIN_TIMEOUT_CODE, this.#idle.reason);
		if (this.#stored) {
			for (const gone of this.#membership.gone(this.#connections.presentMemberKeys())) {
				this.#connections.publish(this.#history.announce("leave", gone.name));
			}
			this.#staffActions.staffChanged();
			if (this.#restrictions.expire()) this.#staffActions.toStaff(this.#staffActions.lists());
			this.#push.due(this.#connections.presentDevices(), (seq) => this.#history.message(seq));
		}
		await this.#scheduleAlarm();
	}

	/**
	 * A name is the room's to give: taken names are refused; a new arrival is
	 * announced to all. Churn costs what it writes: an arrival writes its
	 * "joined" line now and its "left" line later, so it pays for two frames.
	 * A banned device is turned away and its socket closed, whatever role or
	 * link it has: a ban outranks both, so its claims are never honoured. A
	 * member is also turned away from a banned address (staff are not: an
	 * address is shared); a locked room lets in only devices that have been in it.
	 */
	#join(ws: WebSocket, session: Session, frame: Frame<"join">) {
		if (session.joined) return this.#door.refuse(ws, "already_joined", "This connection has already joined the room");
		this.#ensureStored();
		const deviceBan = this.#restrictions.banOf(frame.user, undefined);
		if (deviceBan) return this.#door.turnAway(ws, deviceBan.until);
		const proof = session.proof;
		const role = proof && !atLeast(this.#roles.of(frame.user), proof.role) ? proof.role : this.#roles.of(frame.user);
		if (role === "member") {
			const ban = this.#restrictions.banOf(frame.user, session.ip);
			if (ban) return this.#door.turnAway(ws, ban.until);
			if (this.#settings.current.locked && !this.#restrictions.hasVisited(frame.user)) {
				return this.#door.refuse(
					ws,
					"room_locked",
					"This room is locked: only people who have been in it before may join",
				);
			}
		}
		if (this.#membership.arriving(frame.name)) {
			const verdict = this.#admission.admit(ws, session.ip);
			if (!verdict.ok) return this.#overLimit(ws, verdict);
		}
		const claim = this.#membership.claim(frame.name, frame.user);
		if (!claim.ok) {
			const reason = `The name "${frame.name}" is taken in this room; please choose another`;
			return this.#refuseName(ws, "name_taken", reason, frame);
		}
		if (proof) this.#grant(claim.who, proof);
		this.#roles.noteName(frame.user, claim.who.name);
		this.#restrictions.visit(frame.user, session.ip);
		this.#title.noteJoin(this.#room, frame.user, this.#history.empty);
		// What is stored goes out to the others first, so that this socket's stream begins at its welcome.
		this.#connections.flush();
		const { proof: _used, ...rest } = session;
		this.#connections.save(ws, { ...rest, joined: claim.who });
		this.#mentions.remember(claim.who);
		this.#push.back(claim.who);
		const opening = this.#history.opening(frame.since);
		this.#connections.sendTo(ws, {
			type: "welcome",
			version: PROTOCOL_VERSION,
			room: this.#room,
			name: claim.who.name,
			...opening,
			messages: linesForPage(session.version, opening.messages),
			online: this.#membership.online(),
			role: this.#roles.of(frame.user),
			staff: this.#staffActions.staff(),
			settings: this.#settings.current,
			...this.#title.forWelcome(frame.user, this.#roles.of(frame.user), this.#room),
			...this.#storedOf(frame),
		});
		if (!claim.returning) this.#connections.publish(this.#history.announce("join", claim.who.name));
		this.#staffActions.staffChanged();
		// This socket no longer waits to join: with nobody else waiting and nothing else due, the alarm goes.
		this.ctx.waitUntil(this.#scheduleAlarm());
	}

	/**
	 * A name refused (taken, or invalid): the socket may try another. The
	 * answer says which of the device's pending ids the room stored, so that
	 * its page does not take a message whose ack it missed for one never sent.
	 */
	#refuseName(ws: WebSocket, code: ErrorCode, reason: string, joiner: Joiner): void {
		this.#connections.sendTo(ws, { type: "error", code, reason, ...this.#storedOf(joiner) });
	}

	/** Which of the ids a joining device holds as pending the room stored (absent: none, or none asked). */
	#storedOf(joiner: Joiner): { stored?: StoredId[] } {
		if (!this.#stored || !joiner.pending?.length) return {};
		const stored = this.#history.storedOf(joiner.user, joiner.pending);
		return stored.length > 0 ? { stored } : {};
	}

	/** Gives the room its storage on first need: a room only ever read has none. */
	#ensureStored(): void {
		if (this.#stored) return;
		migrate(this.#sql);
		this.#stored = true;
	}

	/**
	 * A message is stored once per client id, with whom it mentions, acknowledged to its sender, broadcast to
	 * all, and pushed (in the background) to the devices it matches that have no socket here; unless its
	 * sender is muted, or, under slow mode, sent too soon (owners and moderators are not slowed), or it
	 * answers a message that is gone. A retry of a stored message is acknowledged whatever has happened since.
	 */
	#send(ws: WebSocket, who: Joined, frame: Frame<"send">): void {
		const stored = this.#history.stored(who, frame.id);
		if (stored !== undefined) {
			this.#connections.sendTo(ws, { type: "ack", id: frame.id, seq: stored });
			return;
		}
		const role = this.#roles.of(who.device);
		const refused = this.#silenced(who, role);
		const posted =
			refused ??
			this.#history.post(who, frame.id, frame.text, {
				replyTo: frame.replyTo,
				role: role === "member" ? undefined : role,
				mentions: this.#mentions.find(frame.text),
			});
		if (!posted.ok) {
			this.#door.refuse(ws, posted.code, posted.reason, frame.id, posted);
			return;
		}
		if (posted.line) this.#settings.sent(who.device, posted.line.at);
		this.#connections.sendTo(ws, { type: "ack", id: frame.id, seq: posted.seq });
		if (!posted.line) return;
		this.#connections.publish(posted.line);
		if (this.#push.onLine(posted.line, who, this.#connections.presentDevices())) {
			this.ctx.waitUntil(this.#scheduleAlarm());
		}
	}

	/**
	 * Whether someone may not say something now: a message, a title or an
	 * edit. Muted, nobody may; under slow mode a member waits their turn
	 * (owners and moderators are not slowed).
	 */
	#silenced(who: Joined, role = this.#roles.of(who.device), now = Date.now()): Refusal | undefined {
		return this.#muted(who, now) ?? (role === "member" ? this.#slowed(who, now) : undefined);
	}

	/** A muted member may not speak: no message, edit or reaction. */
	#muted(who: Joined, now = Date.now()): Refusal | undefined {
		const until = this.#restrictions.mutedUntil(who.device, now);
		if (until === undefined) return undefined;
		return { ok: false, code: "muted", reason: `You are muted until ${utc(until)}`, until };
	}

	/** Under slow mode, a member's next message waits its turn. */
	#slowed(who: Joined, now: number): Refusal | undefined {
		const wait = this.#settings.slowModeWait(who.device, now);
		if (wait <= 0) return undefined;
		const seconds = Math.ceil(wait / 1000);
		return {
			ok: false,
			code: "slow_mode",
			reason: `Slow mode is on: you can send again in ${seconds} s`,
			retryAfter: seconds,
			until: now + wait,
		};
	}

	/** A reaction by a muted member; a retry of one made before the mute is still acknowledged. */
	#mutedChange(who: Joined, id: string): Refusal | undefined {
		return this.#history.stored(who, id) === undefined ? this.#muted(who) : undefined;
	}

	/**
	 * An edit is speech, like a message: refused while muted or, for a member
	 * under slow mode, too soon; once made, it starts the slow-mode wait
	 * again. A retry of an edit already made is still acknowledged.
	 */
	#edit(ws: WebSocket, who: Joined, frame: Frame<"edit">): void {
		const refused = this.#history.stored(who, frame.id) === undefined ? this.#silenced(who) : undefined;
		const outcome = refused ?? this.#edits.edit(who, frame.id, frame.seq, frame.text, this.#mentions.find(frame.text));
		if (outcome.ok && outcome.change) this.#settings.sent(who.device, outcome.change.at);
		this.#changed(ws, frame.id, outcome);
	}

	/**
	 * A message is deleted by its sender, or by an owner or a moderator: then
	 * it shows "Removed by a moderator" and the audit log records who did it.
	 */
	#delete(ws: WebSocket, who: Joined, frame: Frame<"delete">): void {
		const role = this.#roles.of(who.device);
		const outcome = this.#edits.delete(who, frame.id, frame.seq, role !== "member");
		if (outcome.ok && role !== "member" && outcome.change?.deleted === "moderator") {
			this.#audit.record({ name: who.name, role }, "delete", outcome.target?.name, `message ${frame.seq}`);
		}
		this.#changed(ws, frame.id, outcome);
	}

	/**
	 * An edit, delete or reaction, once its rules let it through: acknowledged
	 * to its sender and broadcast like a message. An older page, which knows
	 * no changes, is sent an edited or deleted message again instead. A change
	 * is pushed to no one (an edit's new mentions show in the page, not on a
	 * lock screen); a deleted message is no longer waiting to be pushed, and
	 * an edited one waits as what it now says, mentions included.
	 */
	#changed(ws: WebSocket, id: string, outcome: Outcome): void {
		if (!outcome.ok) {
			this.#door.refuse(ws, outcome.code, outcome.reason, id, outcome);
			return;
		}
		this.#connections.sendTo(ws, { type: "ack", id, seq: outcome.seq });
		const { change, target } = outcome;
		if (!change) return;
		this.#connections.publish(change, change.kind === "react" ? undefined : target && forOldPage(target));
		if (change.kind === "delete") this.#push.deleted(change.target);
		else if (change.kind === "edit") this.#push.edited(change.target, change.mentions);
	}

	/**
	 * Only the room's creator may title it (room-title.ts); the title is a
	 * line, stored once per id like a message, and speech like a message: not
	 * while muted, nor too soon under slow mode. A retry of a stored title is
	 * still acknowledged.
	 */
	#retitle(ws: WebSocket, who: Joined, frame: Frame<"title">): void {
		if (!this.#title.maySet(who.device, this.#roles.of(who.device), this.#room)) {
			this.#door.refuse(ws, "not_creator", "Only the person who made this room can give it a title", frame.id);
			return;
		}
		const refused = this.#history.stored(who, frame.id) === undefined ? this.#silenced(who) : undefined;
		const posted = refused ?? this.#history.post(who, frame.id, frame.text, { kind: "title" });
		if (!posted.ok) {
			this.#door.refuse(ws, posted.code, posted.reason, frame.id, posted);
			return;
		}
		if (posted.line) {
			this.#title.set(frame.text);
			this.#settings.sent(who.device, posted.line.at);
		}
		this.#connections.sendTo(ws, { type: "ack", id: frame.id, seq: posted.seq });
		if (posted.line) this.#connections.publish(posted.line);
	}

	/**
	 * A secret from a link (or the operator token). Hashing is asynchronous,
	 * so the room holds every other event meanwhile: a `join` right behind
	 * the claim must find its role.
	 */
	#claim(ws: WebSocket, secret: string): Promise<void> {
		return this.ctx.blockConcurrencyWhile(async () => {
			// A claim may register a private room's owner secret: the room needs its storage.
			this.#ensureStored();
			const proof = await this.#roles.prove(secret, this.#history.empty && !this.#restrictions.anyVisitor());
			if (!proof) return this.#door.refuse(ws, "bad_secret", "This link is not valid: it may have been replaced");
			const session = this.#connections.session(ws);
			if (session.shut) return;
			if (!session.joined) return this.#connections.save(ws, { ...session, proof });
			// A ban outranks any link (a join checks it before honouring a claim made before it).
			const ban = this.#restrictions.banOf(session.joined.device, undefined);
			if (ban) return this.#door.turnAway(ws, ban.until);
			this.#grant(session.joined, proof);
			this.#staffActions.staffChanged();
		});
	}

	/** Gives a device the role a secret proved, tells its pages, and writes it in the audit log. */
	#grant(who: Joined, proof: Proof): void {
		if (!this.#roles.grant(who.device, who.name, proof.role)) return;
		this.#audit.record(
			{ name: who.name, role: proof.role },
			proof.role === "owner" ? "claim_owner" : "claim_moderator",
			undefined,
			proof.via,
		);
		this.#staffActions.tellRole(who.device);
	}

	/**
	 * A socket is gone: its address's RateLimiter hears how many it still holds
	 * here; when it was its person's last, they are announced as gone after the
	 * grace period.
	 */
	#leave(ws: WebSocket): void {
		const { ip, joined: who } = this.#connections.session(ws);
		this.#connections.forget(ws);
		this.#admission.forget(ws);
		const open = this.#connections.openFrom(ip, ws);
		this.ctx.waitUntil(
			this.env.RATE_LIMITER.getByName(ip)
				.socketsIn(this.#room, open)
				.catch(() => {}),
		);
		// A socket that had not joined no longer waits to: the alarm may have nothing left to do.
		if (who) {
			if (this.#connections.present(ws).some((p) => p.memberKey === who.memberKey)) return;
			this.#membership.depart(who);
		}
		this.ctx.waitUntil(this.#scheduleAlarm());
	}

	/**
	 * Sets the room's one alarm for the earliest thing due: a departure to
	 * announce, a socket's time to join, the end of a mute or a ban, or a push held for a device. An alarm set earlier stays (when
	 * it fires it sets the next), so a burst of sockets joining writes no
	 * alarm each; when nothing is due the alarm goes, so that a room whose
	 * sockets have all joined sleeps until someone speaks.
	 */
	async #scheduleAlarm(): Promise<void> {
		const current = await this.ctx.storage.getAlarm();
		// Read after the wait, so that calls overlapping each other all see the newest state.
		const next = earliest(
			this.#stored ? this.#membership.nextDue() : undefined,
			this.#stored ? this.#restrictions.nextDue() : undefined,
			this.#idle.nextDue(),
			this.#stored ? this.#push.nextDue() : undefined,
		);
		if (next === undefined) {
			if (current !== null) await this.ctx.storage.deleteAlarm();
		} else if (current === null || current > next) {
			await this.ctx.storage.setAlarm(next);
		}
	}

	/** A frame over the rate limit: the client is told when to retry, and one that keeps going is closed. */
	#overLimit(ws: WebSocket, verdict: Exclude<Verdict, { ok: true }>): void {
		if ("close" in verdict) {
			this.#shutDown(ws, 1008, "Too many messages");
			return;
		}
		this.#connections.sendTo(ws, {
			type: "error",
			code: "rate_limited",
			reason: "You are sending too fast; wait a moment",
			retryAfter: Math.ceil(verdict.retryAfterMs / 1000),
		});
	}

	/** Closes a socket for breaking the rules; it has no say from then on. */
	#shutDown(ws: WebSocket, code: number, reason: string): void {
		const session = this.#connections.session(ws);
		this.#leave(ws);
		// In the attachment, not only in memory: frames still on the wire behind the close are ignored,
		// and the socket no longer counts as joined, even after hibernation.
		this.#connections.save(ws, { ip: session.ip, version: session.version, shut: true });
		ws.close(code, reason);
	}
}

function earliest(...times: (number | undefined)[]): number | undefined {
	const known = times.filter((t) => t !== undefined);
	return known.length > 0 ? Math.min(...known) : undefined;
}

/** Whether a frame is over the size limit; text is encoded only when it could be. */
function tooLarge(data: string | ArrayBuffer): boolean {
	if (typeof data !== "string") return data.byteLength > LIMITS.frameBytes;
	// UTF-8 takes at most 3 bytes per UTF-16 code unit, so shorter text cannot be over.
	return data.length > LIMITS.frameBytes / 3 && encoder.encode(data).byteLength > LIMITS.frameBytes;
}
