/**
 * ChatRoom: one Durable Object per room. It holds the room's sockets (with
 * the Hibernation API, so an idle room costs nothing), stores every line in
 * SQLite and broadcasts. The methods below read as the room's rules.
 */
import { DurableObject } from "cloudflare:workers";
import { type RoomConfig, roomConfig } from "./config";
import {
	type ChatMessage,
	type ClientMessage,
	type ErrorCode,
	LIMITS,
	nameKey,
	parseClientFrame,
	type ServerMessage,
} from "./protocol";
import { RoomStore } from "./room-store";
import { type Bucket, fullBucket, take } from "./token-bucket";

/** What a socket carries through hibernation (its attachment). */
interface Session {
	room: string;
	ip: string;
	joined?: { name: string; key: string; user: string };
}

type Frame<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

/** Typing frames from one socket closer together than this are dropped. */
const TYPING_EVERY_MS = 1000;
const encoder = new TextEncoder();

export class ChatRoom extends DurableObject<Env> {
	readonly #config: RoomConfig;
	readonly #store: RoomStore;
	// Caches of the attachments and of in-memory counters; rebuilt lazily after hibernation.
	readonly #sessions = new Map<WebSocket, Session>();
	readonly #buckets = new Map<WebSocket, Bucket & { strikes: number; typedAt: number }>();
	readonly #ipBuckets = new Map<string, Bucket>();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#config = roomConfig(env);
		this.#store = new RoomStore(ctx.storage.sql, this.#config.historyLimit);
	}

	/** Accepts a WebSocket for the room named in the URL (the worker has checked it). */
	override async fetch(request: Request): Promise<Response> {
		const room = decodeURIComponent(new URL(request.url).pathname.split("/")[3] ?? "");
		const ip = request.headers.get("CF-Connecting-IP") ?? "unknown";
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
		if (!this.#admit(ws, session)) return;
		if (typeof data !== "string") {
			return this.#refuse(ws, "binary_frame", "Frames must be text (JSON), not binary");
		}
		if (data.length > LIMITS.frameBytes / 3 && encoder.encode(data).byteLength > LIMITS.frameBytes) {
			return ws.close(1009, `Frame larger than ${LIMITS.frameBytes} bytes`);
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
		let changed = false;
		for (const d of this.#store.takeDueDepartures(Date.now())) {
			if (online.has(d.nameKey)) continue;
			this.#broadcast({ type: "message", message: this.#store.append("leave", d.name, `${d.name} left the chat`) });
			changed = true;
		}
		if (changed) this.#broadcastPresence();
		await this.#scheduleDepartures();
	}

	#join(ws: WebSocket, session: Session, frame: Frame<"join">) {
		if (session.joined) return this.#refuse(ws, "already_joined", "This connection has already joined the room");
		const key = nameKey(frame.name);
		const owner = this.#ownerOf(key);
		if (owner !== undefined && owner !== frame.user) {
			return this.#refuse(ws, "name_taken", `The name "${frame.name}" is taken in this room; please choose another`);
		}
		// The same person (same device key) with the name already here, or back within the grace period.
		const returning = owner === frame.user;
		this.#store.cancelDeparture(key);
		session.joined = { name: frame.name, key, user: frame.user };
		ws.serializeAttachment(session);

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
			name: frame.name,
			seq: last,
			messages,
			reset: !resumable,
			hasMore: this.#store.hasBefore(messages[0]?.seq),
			online: this.#online(),
		});
		if (returning) return;
		this.#broadcast({
			type: "message",
			message: this.#store.append("join", frame.name, `${frame.name} joined the chat`),
		});
		this.#broadcastPresence();
	}

	#send(ws: WebSocket, who: NonNullable<Session["joined"]>, frame: Frame<"send">) {
		// Scoped by the user's key, so that one client's ids never collide with another's.
		const clientId = `${who.user}/${frame.id}`;
		const stored = this.#store.seqOfClientId(clientId);
		if (stored !== undefined) return this.#sendTo(ws, { type: "ack", id: frame.id, seq: stored });
		const message = this.#store.append("chat", who.name, frame.text, clientId);
		this.#sendTo(ws, { type: "ack", id: frame.id, seq: message.seq });
		this.#broadcast({ type: "message", message });
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
	 * Rate limits every frame, valid or not, per connection and per IP.
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
		let ipBucket = this.#ipBuckets.get(session.ip);
		if (!ipBucket) {
			ipBucket = fullBucket(ipRate, now);
			this.#ipBuckets.set(session.ip, ipBucket);
		}
		const wait = Math.max(take(bucket, connectionRate, now), take(ipBucket, ipRate, now));
		if (wait === 0) {
			bucket.strikes = 0;
			return true;
		}
		bucket.strikes += 1;
		if (bucket.strikes >= this.#config.strikesToClose) {
			ws.close(1008, "Too many messages");
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

	/** Serializes once, then sends the same string to every joined socket. */
	#broadcast(message: ServerMessage, except?: WebSocket): void {
		const frame = JSON.stringify(message);
		for (const ws of this.ctx.getWebSockets()) {
			if (ws === except || !this.#session(ws).joined) continue;
			try {
				ws.send(frame);
			} catch {
				// closing; cleaned up by its close handler
			}
		}
	}

	#broadcastPresence(): void {
		this.#broadcast({ type: "presence", online: this.#online() });
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
		for (const ws of this.ctx.getWebSockets()) {
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

	/** The user key that holds a name: online now, or gone less than the grace period ago. */
	#ownerOf(key: string): string | undefined {
		return this.#joinedSessions().find((who) => who.key === key)?.user ?? this.#store.departure(key)?.userKey;
	}

	/** Who is in the room: one entry per person, including those within their grace period. */
	#online(): string[] {
		const names = new Map<string, string>();
		for (const who of this.#joinedSessions()) names.set(who.key, who.name);
		for (const d of this.#store.departures()) if (!names.has(d.nameKey)) names.set(d.nameKey, d.name);
		return [...names.values()].sort((a, b) => a.localeCompare(b));
	}
}
