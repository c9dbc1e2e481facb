/**
 * ChatRoom: one Durable Object per room. It holds the room's sockets (with
 * the Hibernation API, so an idle room costs nothing), stores every line in
 * SQLite and broadcasts. The methods below read as the room's rules.
 */
import { DurableObject } from "cloudflare:workers";
import {
	type ChatMessage,
	type ClientMessage,
	type ErrorCode,
	LIMITS,
	nameKey,
	parseClientFrame,
	type ServerMessage,
} from "../protocol";
import { type RoomConfig, roomConfig } from "./config";
import { addressKey } from "./rate-limiter";
import { RoomStore } from "./room-store";
import { type Bucket, fullBucket, take } from "./token-bucket";

/** What a socket carries through hibernation (its attachment). */
interface Session {
	room: string;
	/** The client's address as rate limits count it (see addressKey). */
	ip: string;
	joined?: { name: string; key: string; user: string };
	/** Closed by the room (1008, 1009): a client that ignores the close gets no say, even after hibernation. */
	shut?: true;
}

type Frame<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

/** A client address as this room sees it: its own bucket here, and what its RateLimiter said. */
interface Address {
	/** The address's frames in this room: counted at once, exactly. */
	bucket: Bucket;
	/** Tokens the address's RateLimiter, which counts all rooms, granted this room in advance. */
	credit: number;
	/** Until when the RateLimiter says the address is over its limit. */
	blockedUntil: number;
	/** Frames let through here without credit, not yet charged to the RateLimiter. */
	unreported: number;
	/** Whether a call to the RateLimiter is in flight. */
	reporting: boolean;
	/** Credit to ask for: doubles while the address keeps running out of it, 0 once it slows down. */
	ask: number;
	/** When the last call to the RateLimiter went out, ms. */
	askedAt: number;
}

/** Credit is asked for up to this share of the address's burst, so that a room holds little of it. */
const CREDIT_SHARE = 1 / 10;
/** An address that runs out of credit sooner than this after the last call is sending fast. */
const FAST_MS = 1000;

/** Typing frames from one socket closer together than this are dropped. */
const TYPING_EVERY_MS = 1000;
const encoder = new TextEncoder();

export class ChatRoom extends DurableObject<Env> {
	readonly #config: RoomConfig;
	readonly #store: RoomStore;
	// Caches of the attachments and of in-memory counters; rebuilt lazily after hibernation.
	readonly #sessions = new Map<WebSocket, Session>();
	/** The sockets that have joined: what a broadcast walks, without asking the runtime for every socket. */
	#joinedSockets: Set<WebSocket> | undefined;
	/** Lines stored in this tick and not yet broadcast: sent together, one frame per socket. */
	#outbox: ChatMessage[] = [];
	readonly #buckets = new Map<WebSocket, Bucket & { strikes: number; typedAt: number }>();
	readonly #addresses = new Map<string, Address>();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#config = roomConfig(env);
		this.#store = new RoomStore(ctx.storage.sql, this.#config.historyLimit);
		ctx.blockConcurrencyWhile(() => this.#reconcileMembers());
	}

	/** Accepts a WebSocket for the room named in the URL (the worker has checked it). */
	override async fetch(request: Request): Promise<Response> {
		const room = decodeURIComponent(new URL(request.url).pathname.split("/")[3] ?? "");
		const ip = addressKey(request.headers.get("CF-Connecting-IP"));
		if (this.ctx.getWebSockets(ip).length >= this.#config.maxSocketsPerIp) {
			return Response.json(
				{ error: "too_many_connections", reason: "Too many open connections from your address in this room" },
				{ status: 429 },
			);
		}
		const { 0: client, 1: server } = new WebSocketPair();
		// The IP is a tag so that counting an address's sockets needs no attachment reads.
		this.ctx.acceptWebSocket(server, [ip]);
		const session: Session = { room, ip };
		server.serializeAttachment(session);
		this.#sessions.set(server, session);
		return new Response(null, { status: 101, webSocket: client });
	}

	/** A page of history, for scrolling back: up to `limit` messages before `before`. */
	history(before: number, limit: number): { messages: ChatMessage[]; hasMore: boolean } {
		const messages = this.#store.before(before, Math.min(limit, LIMITS.pageMax));
		return { messages, hasMore: this.#store.hasBefore(messages[0]?.seq) };
	}

	override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		const session = this.#session(ws);
		if (session.shut) return;
		if (!this.#admit(ws, session)) return;
		if (tooLarge(data)) return this.#shutDown(ws, 1009, `Frame larger than ${LIMITS.frameBytes} bytes`);
		if (typeof data !== "string") {
			return this.#refuse(ws, "binary_frame", "Frames must be text (JSON), not binary");
		}
		const parsed = parseClientFrame(data);
		if (!parsed.ok) return this.#refuse(ws, parsed.code, parsed.reason, parsed.id);
		const frame = parsed.frame;
		if (frame.type === "join") return this.#join(ws, session, frame);
		if (!session.joined) return this.#refuse(ws, "not_joined", "Join the room before sending anything else");
		if (frame.type === "send") return this.#send(ws, session.joined, frame);
		if (frame.type === "typing") return this.#typing(ws, session.joined.name);
		this.#sendTo(ws, { type: "history", messages: this.#store.after(frame.since, LIMITS.pageMax) });
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

	/** Says "left the chat" for everyone whose grace period ran out without a reconnect. */
	override async alarm(): Promise<void> {
		const online = this.#onlineKeys();
		for (const d of this.#store.takeDueDepartures(Date.now())) {
			if (online.has(d.nameKey)) continue;
			this.#store.removeMember(d.nameKey);
			this.#publish(this.#store.append("leave", d.name, `${d.name} left the chat`));
		}
		await this.#scheduleDepartures();
	}

	#join(ws: WebSocket, session: Session, frame: Frame<"join">) {
		if (session.joined) return this.#refuse(ws, "already_joined", "This connection has already joined the room");
		const key = nameKey(frame.name);
		const member = this.#store.member(key);
		if (member && member.userKey !== frame.user) {
			return this.#refuse(ws, "name_taken", `The name "${frame.name}" is taken in this room; please choose another`);
		}
		// The same person (same device key): another tab, or back within the grace period or after a restart.
		const returning = member !== undefined;
		this.#store.cancelDeparture(key);
		if (!returning) this.#store.addMember({ nameKey: key, userKey: frame.user, name: frame.name });
		// What is stored goes out to the others first, so that this socket's stream begins at its welcome.
		this.#flush();
		session.joined = { name: member?.name ?? frame.name, key, user: frame.user };
		ws.serializeAttachment(session);
		this.#joined().add(ws);

		const last = this.#store.lastSeq;
		const since = frame.since;
		const resumable =
			since !== undefined && since <= last && since >= this.#store.firstSeq() - 1 && last - since <= LIMITS.resumeMax;
		const messages = resumable
			? this.#store.after(since, LIMITS.resumeMax)
			: this.#store.before(last + 1, LIMITS.joinPage);
		this.#sendTo(ws, {
			type: "welcome",
			room: session.room,
			name: session.joined.name,
			seq: last,
			messages,
			reset: !resumable,
			hasMore: this.#store.hasBefore(messages[0]?.seq),
			online: this.#online(),
		});
		if (returning) return;
		this.#publish(this.#store.append("join", frame.name, `${frame.name} joined the chat`));
	}

	#send(ws: WebSocket, who: NonNullable<Session["joined"]>, frame: Frame<"send">) {
		// Scoped by the user's key, so that one client's ids never collide with another's.
		const clientId = `${who.user}/${frame.id}`;
		const stored = this.#store.seqOfClientId(clientId);
		if (stored !== undefined) return this.#sendTo(ws, { type: "ack", id: frame.id, seq: stored });
		const message = this.#store.append("chat", who.name, frame.text, clientId);
		this.#sendTo(ws, { type: "ack", id: frame.id, seq: message.seq });
		this.#publish(message);
	}

	#typing(ws: WebSocket, name: string): void {
		const bucket = this.#buckets.get(ws);
		const now = Date.now();
		if (bucket) {
			if (now - bucket.typedAt < TYPING_EVERY_MS) return;
			bucket.typedAt = now;
		}
		this.#broadcast({ type: "typing", name }, ws);
	}

	#leave(ws: WebSocket): void {
		const session = this.#session(ws);
		this.#sessions.delete(ws);
		this.#buckets.delete(ws);
		this.#joinedSockets?.delete(ws);
		const who = session.joined;
		if (!who || this.#socketsOf(who.key, ws) > 0) return;
		const due = Date.now() + this.#config.leaveGraceMs;
		this.#store.addDeparture({ nameKey: who.key, userKey: who.user, name: who.name, due });
		this.ctx.waitUntil(this.#scheduleDepartures());
	}

	async #scheduleDepartures(): Promise<void> {
		const next = this.#store.nextDeparture();
		if (next === undefined) return;
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > next) await this.ctx.storage.setAlarm(next);
	}

	/**
	 * Rate limits every frame, valid or not, per connection and per IP (in
	 * this room at once, across rooms as soon as the IP's RateLimiter says).
	 * Over the limit the client is told when to retry; a client that keeps
	 * going is disconnected with 1008 (policy violation).
	 */
	#admit(ws: WebSocket, session: Session): boolean {
		const now = Date.now();
		const { connectionRate, ipRate } = this.#config;
		let bucket = this.#buckets.get(ws);
		if (!bucket) {
			bucket = { ...fullBucket(connectionRate, now), strikes: 0, typedAt: 0 };
			this.#buckets.set(ws, bucket);
		}
		let address = this.#addresses.get(session.ip);
		if (!address) {
			address = {
				bucket: fullBucket(ipRate, now),
				credit: 0,
				blockedUntil: 0,
				unreported: 0,
				reporting: false,
				ask: 0,
				askedAt: 0,
			};
			this.#addresses.set(session.ip, address);
		}
		const wait = Math.max(
			take(bucket, connectionRate, now),
			take(address.bucket, ipRate, now),
			address.blockedUntil - now,
		);
		if (wait === 0) {
			bucket.strikes = 0;
			if (address.credit >= 1) {
				address.credit -= 1;
			} else {
				address.unreported += 1;
				if (!address.reporting) this.ctx.waitUntil(this.#report(session.ip, address));
			}
			return true;
		}
		bucket.strikes += 1;
		if (bucket.strikes >= this.#config.strikesToClose) {
			this.#shutDown(ws, 1008, "Too many messages");
			return false;
		}
		this.#sendTo(ws, {
			type: "error",
			code: "rate_limited",
			reason: "You are sending too fast; wait a moment",
			retryAfter: Math.ceil(wait / 1000),
		});
		return false;
	}

	/**
	 * Charges the frames an address sent here without credit to its
	 * RateLimiter, off the message path so that no frame waits for it: one
	 * call in flight per address, and frames let through meanwhile are paid
	 * from new credit or go in the next call. Credit is asked for only while
	 * the address sends fast, so a room seldom holds tokens it will not use;
	 * then the calls become rarer as the credit doubles.
	 */
	async #report(ip: string, address: Address): Promise<void> {
		address.reporting = true;
		const most = Math.max(1, Math.ceil(this.#config.ipRate.burst * CREDIT_SHARE));
		while (address.unreported > 0) {
			const used = address.unreported;
			address.unreported = 0;
			const now = Date.now();
			address.ask = now - address.askedAt < FAST_MS ? Math.min(most, Math.max(1, address.ask * 2)) : 0;
			address.askedAt = now;
			try {
				const { granted, wait } = await this.env.RATE_LIMITER.getByName(ip).charge(used, address.ask);
				const paid = Math.min(granted, address.unreported);
				address.unreported -= paid;
				address.credit += granted - paid;
				address.blockedUntil = granted > 0 ? 0 : Date.now() + wait;
			} catch {
				// The limiter is unreachable: fail open, this room's own limits still hold.
			}
		}
		address.reporting = false;
	}

	/** Closes a socket for breaking the rules; it has no say from then on. */
	#shutDown(ws: WebSocket, code: number, reason: string): void {
		const session = this.#session(ws);
		this.#leave(ws);
		// In the attachment, not only in memory: frames still on the wire behind the close are ignored,
		// and the socket no longer counts as joined, even after hibernation.
		session.shut = true;
		delete session.joined;
		ws.serializeAttachment(session);
		this.#sessions.set(ws, session);
		ws.close(code, reason);
	}

	#refuse(ws: WebSocket, code: ErrorCode, reason: string, id?: string): void {
		this.#sendTo(ws, { type: "error", code, reason, ...(id !== undefined && { id }) });
	}

	#sendTo(ws: WebSocket, message: ServerMessage): void {
		try {
			ws.send(JSON.stringify(message));
		} catch {
			// The socket closed under us; its close handler cleans up.
		}
	}

	/**
	 * Broadcasts a stored line at the end of this tick, with any others stored
	 * in it. The cost of a room is per frame sent (workerd's socket writes, not
	 * our JavaScript), so under load a batch saves a frame per socket per line;
	 * alone, a line goes out as soon as the event that stored it is done.
	 */
	#publish(message: ChatMessage): void {
		this.#outbox.push(message);
		if (this.#outbox.length === 1) setTimeout(() => this.#flush(), 0);
	}

	#flush(): void {
		const batch = this.#outbox;
		if (batch.length === 0) return;
		this.#outbox = [];
		const [only] = batch;
		this.#broadcast(
			batch.length === 1 && only ? { type: "message", message: only } : { type: "messages", messages: batch },
		);
	}

	/** Serializes once, then sends the same string to every joined socket. */
	#broadcast(message: ServerMessage, except?: WebSocket): void {
		const frame = JSON.stringify(message);
		for (const ws of this.#joined()) {
			if (ws === except) continue;
			try {
				ws.send(frame);
			} catch {
				// closing; cleaned up by its close handler
			}
		}
	}

	#joined(): Set<WebSocket> {
		this.#joinedSockets ??= new Set(this.ctx.getWebSockets().filter((ws) => this.#session(ws).joined));
		return this.#joinedSockets;
	}

	#session(ws: WebSocket): Session {
		let session = this.#sessions.get(ws);
		if (!session) {
			session = ws.deserializeAttachment() as Session;
			this.#sessions.set(ws, session);
		}
		return session;
	}

	#joinedSessions(except?: WebSocket): NonNullable<Session["joined"]>[] {
		const joined = [];
		for (const ws of this.#joined()) {
			const who = ws !== except && ws.readyState === WebSocket.OPEN ? this.#session(ws).joined : undefined;
			if (who) joined.push(who);
		}
		return joined;
	}

	#socketsOf(key: string, except?: WebSocket): number {
		return this.#joinedSessions(except).filter((who) => who.key === key).length;
	}

	#onlineKeys(): Set<string> {
		return new Set(this.#joinedSessions().map((who) => who.key));
	}

	/** Who is in the room: one entry per person, including those within their grace period. */
	#online(): string[] {
		return this.#store
			.members()
			.map((m) => m.name)
			.sort((a, b) => a.localeCompare(b));
	}

	/**
	 * After a restart every socket is gone without a close event: members with
	 * no socket get the usual grace period to reconnect before "left the chat".
	 */
	async #reconcileMembers(): Promise<void> {
		const online = this.#onlineKeys();
		const due = Date.now() + this.#config.leaveGraceMs;
		const pending = new Set(this.#store.departures().map((d) => d.nameKey));
		for (const m of this.#store.members()) {
			if (!online.has(m.nameKey) && !pending.has(m.nameKey)) this.#store.addDeparture({ ...m, due });
		}
		await this.#scheduleDepartures();
	}
}

/** Whether a frame is over the size limit; text is encoded only when it could be. */
function tooLarge(data: string | ArrayBuffer): boolean {
	if (typeof data !== "string") return data.byteLength > LIMITS.frameBytes;
	// UTF-8 takes at most 3 bytes per UTF-16 code unit, so shorter text cannot be over.
	return data.length > LIMITS.frameBytes / 3 && encoder.encode(data).byteLength > LIMITS.frameBytes;
}
