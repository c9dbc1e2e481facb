/**
 * ChatRoom: one Durable Object per room. It holds the room's sockets (with
 * the Hibernation API, so an idle room costs nothing), keeps the room in its
 * SQLite storage and broadcasts. This class says what the room does and
 * when; each concern's rules live in a module named for it.
 */
import { DurableObject } from "cloudflare:workers";
import {
	type ClientMessage,
	clientVersion,
	type ErrorCode,
	HEARTBEAT,
	LIMITS,
	PROTOCOL_VERSION,
	parseClientFrame,
} from "../../protocol";
import { type RoomConfig, roomConfig } from "../config";
import { Admission } from "../limits/admission";
import { addressKey } from "../limits/rate-limiter";
import { isSetUp, migrate } from "../store/schema";
import { Connections, type Joined, type Session } from "./connections";
import { History } from "./history";
import { Membership } from "./membership";
import { Typing } from "./typing";

type Frame<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;

const encoder = new TextEncoder();

export class ChatRoom extends DurableObject<Env> {
	readonly #config: RoomConfig;
	readonly #connections: Connections;
	readonly #admission: Admission;
	readonly #typing = new Typing();
	// Opened with the first socket: a room nobody has entered stores nothing, whatever is asked of it.
	#opened: { history: History; membership: Membership } | undefined;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#config = roomConfig(env);
		// The heartbeat is answered by the runtime, without waking a hibernated room (docs/protocol.md).
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.ping, HEARTBEAT.pong));
		this.#connections = new Connections(ctx);
		this.#admission = new Admission(
			this.#config,
			(ip, used, want) => env.RATE_LIMITER.getByName(ip).charge(used, want),
			(work) => ctx.waitUntil(work),
		);
		if (!isSetUp(ctx.storage.sql)) return;
		ctx.blockConcurrencyWhile(async () => {
			// After a restart every socket is gone without a close event.
			this.#membership.reconcile(this.#connections.presentKeys());
			await this.#scheduleAlarm();
		});
	}

	get #history(): History {
		return this.#open().history;
	}

	get #membership(): Membership {
		return this.#open().membership;
	}

	/** Brings the storage up to the newest schema (older rooms catch up here) and opens the room's records. */
	#open(): { history: History; membership: Membership } {
		if (this.#opened) return this.#opened;
		const sql = this.ctx.storage.sql;
		migrate(sql);
		this.#opened = {
			history: new History(sql, this.#config.historyLimit),
			membership: new Membership(sql, this.#config.leaveGraceMs),
		};
		return this.#opened;
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
		this.#open();
		const { 0: client, 1: server } = new WebSocketPair();
		this.#connections.accept(server, { ip, version: clientVersion(request.url) });
		return new Response(null, { status: 101, webSocket: client });
	}

	/** A page of history, for scrolling back: up to `limit` messages before `before`. */
	history(before: number, limit: number) {
		if (!this.#opened && !isSetUp(this.ctx.storage.sql)) return { messages: [], hasMore: false };
		return this.#history.page(before, limit);
	}

	/** How many open sockets an address holds here: asked by its RateLimiter when its own count may be stale. */
	socketsFrom(ip: string): number {
		return this.#connections.openFrom(ip);
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
		const who = session.joined;
		if (!who) return this.#refuse(ws, "not_joined", "Join the room before sending anything else");
		switch (frame.type) {
			case "send":
				return this.#send(ws, who, frame);
			case "typing":
				if (this.#typing.pass(ws)) this.#connections.broadcast({ type: "typing", name: who.name }, ws);
				return;
			case "sync":
				return this.#connections.sendTo(ws, { type: "history", messages: this.#history.after(frame.since) });
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

	/** The room's one alarm: says "left the chat" for everyone whose grace period ran out without a reconnect. */
	override async alarm(): Promise<void> {
		for (const gone of this.#membership.gone(this.#connections.presentKeys())) {
			this.#connections.publish(this.#history.announce("leave", gone.name));
		}
		await this.#scheduleAlarm();
	}

	/** A name is the room's to give: taken names are refused; a new arrival is announced to all. */
	#join(ws: WebSocket, session: Session, frame: Frame<"join">) {
		if (session.joined) return this.#refuse(ws, "already_joined", "This connection has already joined the room");
		const claim = this.#membership.claim(frame.name, frame.user);
		if (!claim.ok) {
			return this.#refuse(ws, "name_taken", `The name "${frame.name}" is taken in this room; please choose another`);
		}
		// What is stored goes out to the others first, so that this socket's stream begins at its welcome.
		this.#connections.flush();
		this.#connections.save(ws, { ...session, joined: claim.who });
		this.#connections.sendTo(ws, {
			type: "welcome",
			version: PROTOCOL_VERSION,
			room: this.#room,
			name: claim.who.name,
			...this.#history.opening(frame.since),
			online: this.#membership.online(),
		});
		if (!claim.returning) this.#connections.publish(this.#history.announce("join", claim.who.name));
	}

	/** A message is stored once per client id, acknowledged to its sender, and broadcast to all. */
	#send(ws: WebSocket, who: Joined, frame: Frame<"send">): void {
		const { seq, line } = this.#history.post(who, frame.id, frame.text);
		this.#connections.sendTo(ws, { type: "ack", id: frame.id, seq });
		if (line) this.#connections.publish(line);
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
		if (!who || this.#connections.present(ws).some((p) => p.key === who.key)) return;
		this.#membership.depart(who);
		this.ctx.waitUntil(this.#scheduleAlarm());
	}

	/** Sets the room's one alarm for the earliest thing due. */
	async #scheduleAlarm(): Promise<void> {
		const next = this.#membership.nextDue();
		if (next === undefined) return;
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > next) await this.ctx.storage.setAlarm(next);
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

	#refuse(ws: WebSocket, code: ErrorCode, reason: string, id?: string): void {
		this.#connections.sendTo(ws, { type: "error", code, reason, ...(id !== undefined && { id }) });
	}
}

/** Whether a frame is over the size limit; text is encoded only when it could be. */
function tooLarge(data: string | ArrayBuffer): boolean {
	if (typeof data !== "string") return data.byteLength > LIMITS.frameBytes;
	// UTF-8 takes at most 3 bytes per UTF-16 code unit, so shorter text cannot be over.
	return data.length > LIMITS.frameBytes / 3 && encoder.encode(data).byteLength > LIMITS.frameBytes;
}
