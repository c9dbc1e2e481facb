/**
 * One person in the drill, doing what the page does with its connection
 * (client/reconnecting-socket.ts, client/room-client.ts, client/chat-store.ts,
 * client/room-state.ts):
 *
 * - a device key of its own, joined under its own name; after a reconnect it
 *   joins with `since`, the last seq it holds without a gap;
 * - lines are held by seq, so one that comes twice is kept once, and a gap
 *   (a seq past the last one held) is filled with `sync`, again after each
 *   `history` that moved it on;
 * - every message it writes waits in an outbox until the room acks it, is
 *   sent only while joined, and is sent again with the same id after every
 *   welcome; one the room refuses leaves the outbox (the page marks it "Not
 *   sent");
 * - a dropped connection comes back by itself: full-jitter backoff from 0.5 s
 *   to 10 s, each try given up after 5 s, the backoff reset once a connection
 *   has lived 5 s; a heartbeat (`ping` after 15 s of quiet, dead 10 s later).
 *
 * It keeps what the ledger needs: every line it holds, by seq, and every
 * line that came again (a repeat, dropped) or differed from the one held.
 */
import type WebSocket from "ws";
import { HEARTBEAT, RECONNECT } from "../../protocol/timing.ts";
import type { Random } from "../lib/random.ts";
import { closeSocket, joinFrame, openSocket } from "../load/wire.ts";

/** What the drill reads of the room's lines and frames (protocol/frames.ts has them whole; Node cannot import it from here). */
export interface Line {
	seq: number;
	kind: string;
	name: string;
	text?: string;
}

type Frame =
	| { type: "welcome"; seq: number; messages: Line[]; reset: boolean; name: string }
	| { type: "message"; message: Line }
	| { type: "messages" | "history"; messages: Line[] }
	| { type: "ack"; id: string; seq: number }
	| { type: "error"; code: string; reason: string; id?: string; retryAfter?: number }
	| { type: "typing" };

/** A drill message's text names its send id, so that every receiver knows which send a line is. */
const TEXT_PREFIX = "soak ";

/** The send id a line carries, for a drill message; "" for any other line (joins, leaves). */
export function sendIdOf(line: Line): string {
	return line.kind === "chat" && line.text?.startsWith(TEXT_PREFIX) ? line.text.slice(TEXT_PREFIX.length) : "";
}

export type DropKind = "terminate" | "close" | "after-send";

/** What a client tells the ledger. */
export interface ClientEvents {
	created(id: string, client: SoakClient): void;
	acked(id: string, seq: number): void;
	refused(id: string, why: string): void;
	problem(text: string): void;
}

/** A connection that lived this long resets the backoff (STABLE_MS in client/reconnecting-socket.ts). */
const STABLE_MS = 5000;
/** Connection tries one client may make in a run: far above what a run needs, so that no loop is endless. */
const MAX_CONNECTS = 5000;
/** How long a final `sync` may take to be answered. */
const SYNC_ANSWER_MS = 10_000;

export class SoakClient {
	/** Every line held, by seq: a drill message's send id, "" for any other line. */
	readonly held = new Map<number, string>();
	/** The last seq held without a gap (what `since` says on a reconnect). */
	lastSeq = 0;
	/** The newest seq the room has told of; above lastSeq is a gap to fill. */
	roomSeq = 0;
	/** Lines that came again under a seq already held, dropped as the page drops them. */
	repeats = 0;
	/** Lines that came under a seq held for another line: the room gave one seq to two lines. */
	readonly conflicts: string[] = [];
	/** The outbox: written, not yet acked, in the order written. */
	readonly outbox = new Map<string, string>();
	readonly counts = {
		connects: 0,
		welcomes: 0,
		resumes: 0,
		resets: 0,
		drops: 0,
		resends: 0,
		/** Resent messages the room already had (stored before the welcome): their first ack was lost, the retry stored nothing. */
		retriesOfStored: 0,
		syncs: 0,
		pings: 0,
	};
	/** The messages resent after this connection's welcome, with the welcome's seq: an ack at or below it is a stored retry. */
	#resent = new Map<string, number>();

	#ws: WebSocket | null = null;
	/** A try to connect under way: dropped (its socket closed on arrival) when the client drops or stops meanwhile. */
	#opening: Promise<WebSocket> | undefined;
	#online = false;
	#joinedOnce = false;
	#syncing = false;
	#written = 0;
	#attempt = 0;
	#openedAt = 0;
	#heardAt = 0;
	#pingedAt = 0;
	#away = false;
	#stopped = false;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#heartbeat: ReturnType<typeof setInterval> | undefined;
	#rateTimer: ReturnType<typeof setTimeout> | undefined;
	#onHistory: ((lines: number) => void) | undefined;
	/** A drop waiting for the next message to go out (how long to stay away then). */
	#cutAfterSend: number | undefined;

	readonly index: number;
	readonly room: string;
	readonly name: string;
	/** The device key, 8-64 of [A-Za-z0-9_-], this client's alone. */
	readonly user: string;
	readonly #url: string;
	/** This client's own stream: its backoff waits. */
	readonly #random: Random;
	readonly #events: ClientEvents;

	constructor(
		who: { index: number; room: string; name: string; user: string },
		url: string,
		random: Random,
		events: ClientEvents,
	) {
		this.index = who.index;
		this.room = who.room;
		this.name = who.name;
		this.user = who.user;
		this.#url = url;
		this.#random = random;
		this.#events = events;
	}

	get online(): boolean {
		return this.#online;
	}

	start(): void {
		this.#connect();
	}

	/** Writes a message: into the outbox, and out at once if joined. */
	write(): void {
		if (this.#stopped) return;
		const id = `c${this.index}m${this.#written++}`;
		this.outbox.set(id, `${TEXT_PREFIX}${id}`);
		this.#events.created(id, this);
		if (!this.#online) return;
		this.#sendMessage(id);
		const awayMs = this.#cutAfterSend;
		if (awayMs !== undefined) {
			this.#cutAfterSend = undefined;
			this.drop("terminate", awayMs);
		}
	}

	/**
	 * The connection drops: cut now (`terminate`, a network that goes away),
	 * closed now (`close`, a tab put away), or cut right after the next message
	 * goes out, before its ack can come back (`after-send`). The client then
	 * stays away for `awayMs` before it starts coming back through its backoff.
	 */
	drop(how: DropKind, awayMs: number): void {
		if (this.#stopped) return;
		if (how === "after-send") {
			this.#cutAfterSend = awayMs;
			return;
		}
		this.counts.drops++;
		this.#away = true;
		clearTimeout(this.#timer);
		this.#opening = undefined;
		const ws = this.#ws;
		if (ws) {
			this.#down();
			if (how === "close") ws.close(1000);
			else ws.terminate();
		}
		this.#timer = setTimeout(() => {
			this.#away = false;
			this.#attempt = 0;
			this.#connect();
		}, awayMs);
	}

	/**
	 * Asks the room for every line after the last one held, again until the
	 * answer holds nothing: then this client holds all the room has. False
	 * when it is not joined or the room does not answer.
	 */
	async resync(maxRounds = 20): Promise<boolean> {
		for (let round = 0; round < maxRounds; round++) {
			const ws = this.#ws;
			if (!ws || !this.#online) return false;
			const answered = new Promise<number | undefined>((resolve) => {
				const timer = setTimeout(() => resolve(undefined), SYNC_ANSWER_MS);
				this.#onHistory = (lines) => {
					clearTimeout(timer);
					resolve(lines);
				};
			});
			this.#syncing = true;
			this.counts.syncs++;
			ws.send(JSON.stringify({ type: "sync", since: this.lastSeq }));
			const lines = await answered;
			this.#onHistory = undefined;
			if (lines === undefined) return false;
			if (lines === 0) return true;
		}
		return false;
	}

	/** Leaves for good: closes the socket (a close handshake, or cut after 5 s), no coming back. */
	async stop(): Promise<void> {
		this.#stopped = true;
		clearTimeout(this.#timer);
		clearTimeout(this.#rateTimer);
		this.#opening = undefined;
		const ws = this.#ws;
		this.#down();
		if (ws) await closeSocket(ws);
	}

	#connect(): void {
		if (this.#stopped || this.#away || this.#ws || this.#opening) return;
		if (this.counts.connects >= MAX_CONNECTS) {
			this.#events.problem(`${this.name}: gave up after ${MAX_CONNECTS} connection tries`);
			return;
		}
		this.counts.connects++;
		const opening = openSocket(this.#url, RECONNECT.connectTimeoutMs);
		this.#opening = opening;
		opening.then(
			(ws) => {
				if (this.#opening !== opening) {
					ws.terminate();
					return;
				}
				this.#opening = undefined;
				this.#attach(ws);
			},
			() => {
				if (this.#opening !== opening) return;
				this.#opening = undefined;
				this.#retry();
			},
		);
	}

	#attach(ws: WebSocket): void {
		this.#ws = ws;
		this.#openedAt = this.#heardAt = Date.now();
		this.#pingedAt = 0;
		// An error is followed by a close, which is what counts.
		ws.on("error", () => undefined);
		ws.on("message", (data) => this.#receiveFrame(ws, String(data)));
		ws.on("close", () => this.#lost(ws));
		this.#heartbeat = setInterval(() => this.#check(ws), HEARTBEAT.checkMs);
		// It may have closed between opening and now, with no one listening.
		if (ws.readyState !== ws.OPEN) {
			this.#lost(ws);
			return;
		}
		ws.send(joinFrame(this.name, this.user, this.#joinedOnce && this.lastSeq > 0 ? this.lastSeq : undefined));
	}

	/** This client's connection is gone, for whatever reason: nothing more is sent on it. */
	#down(): void {
		const ws = this.#ws;
		this.#ws = null;
		this.#online = false;
		this.#syncing = false;
		clearInterval(this.#heartbeat);
		this.#pingedAt = 0;
		ws?.removeAllListeners("message");
	}

	/** The connection closed or went silent: back through the backoff. */
	#lost(ws: WebSocket): void {
		if (this.#ws !== ws) return;
		this.#down();
		ws.terminate();
		this.#retry();
	}

	#retry(): void {
		if (this.#stopped || this.#away) return;
		if (this.#openedAt > 0 && Date.now() - this.#openedAt > STABLE_MS) this.#attempt = 0;
		this.#openedAt = 0;
		this.#attempt += 1;
		// retryDelay in client/reconnecting-socket.ts, with the drill's seeded random.
		const ceiling = Math.min(RECONNECT.maxMs, RECONNECT.minMs * RECONNECT.grow ** (this.#attempt - 1));
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => this.#connect(), this.#random.next() * ceiling);
	}

	/** Quiet for quietMs: ping. Pinged and nothing heard for timeoutMs since: the connection is dead. */
	#check(ws: WebSocket): void {
		const now = Date.now();
		if (this.#pingedAt > 0 && now - this.#pingedAt >= HEARTBEAT.timeoutMs) this.#lost(ws);
		else if (this.#pingedAt === 0 && now - this.#heardAt >= HEARTBEAT.quietMs) {
			this.#pingedAt = now;
			this.counts.pings++;
			ws.send(HEARTBEAT.ping);
		}
	}

	#receiveFrame(ws: WebSocket, data: string): void {
		if (ws !== this.#ws) return;
		// Any frame is proof of life.
		this.#heardAt = Date.now();
		this.#pingedAt = 0;
		if (data === HEARTBEAT.pong) return;
		let frame: Frame;
		try {
			frame = JSON.parse(data) as Frame;
		} catch {
			this.#events.problem(`${this.name}: a frame that is not JSON: ${data.slice(0, 200)}`);
			return;
		}
		switch (frame.type) {
			case "welcome":
				this.#welcome(frame);
				break;
			case "message":
				this.#hold([frame.message]);
				this.#syncIfGap();
				break;
			case "messages":
				this.#hold(frame.messages);
				this.#syncIfGap();
				break;
			case "history": {
				this.#syncing = false;
				const before = this.lastSeq;
				this.#hold(frame.messages);
				this.#onHistory?.(frame.messages.length);
				// As the page does: again while each answer moves it on.
				if (this.lastSeq > before) this.#syncIfGap();
				break;
			}
			case "ack":
				if ((this.#resent.get(frame.id) ?? -1) >= frame.seq) this.counts.retriesOfStored++;
				this.#resent.delete(frame.id);
				this.outbox.delete(frame.id);
				this.#events.acked(frame.id, frame.seq);
				break;
			case "error":
				this.#error(frame);
				break;
		}
	}

	#welcome(frame: Extract<Frame, { type: "welcome" }>): void {
		this.counts.welcomes++;
		if (this.#joinedOnce) {
			if (frame.reset) {
				// The page would start again from the newest page: what it missed is not in its stream.
				this.counts.resets++;
				this.#events.problem(
					`${this.name}: the room did not resume from seq ${this.lastSeq} (its newest is ${frame.seq}) but sent a fresh page`,
				);
			} else this.counts.resumes++;
		}
		if (frame.reset) this.lastSeq = Math.max(this.lastSeq, frame.seq);
		this.#hold(frame.messages);
		this.roomSeq = Math.max(this.roomSeq, frame.seq);
		this.#joinedOnce = true;
		this.#online = true;
		// The outbox goes out again, every message with its first id, in the order written.
		this.#resent.clear();
		for (const id of this.outbox.keys()) {
			this.counts.resends++;
			this.#resent.set(id, frame.seq);
			this.#sendMessage(id);
		}
		this.#syncIfGap();
	}

	#error(frame: Extract<Frame, { type: "error" }>): void {
		if (frame.code === "rate_limited") {
			// The page sends what is pending again, once, when the room allows (chat-store.ts).
			this.#events.problem(`${this.name}: rate limited (${frame.reason}); the drill's limits should be raised`);
			if (this.#rateTimer === undefined) {
				this.#rateTimer = setTimeout(
					() => {
						this.#rateTimer = undefined;
						if (!this.#online) return;
						for (const id of this.outbox.keys()) this.#sendMessage(id);
					},
					(frame.retryAfter ?? 1) * 1000,
				);
			}
			return;
		}
		if (frame.id !== undefined && this.outbox.delete(frame.id)) {
			this.#events.refused(frame.id, `${frame.code}: ${frame.reason}`);
			return;
		}
		this.#events.problem(`${this.name}: error ${frame.code}: ${frame.reason}`);
	}

	/** Holds lines by seq: one already held is a repeat, dropped; then lastSeq moves over what is now whole. */
	#hold(lines: Line[]): void {
		for (const line of lines) {
			const id = sendIdOf(line);
			const held = this.held.get(line.seq);
			if (held === undefined) this.held.set(line.seq, id);
			else {
				this.repeats++;
				if (held !== id) {
					this.conflicts.push(`seq ${line.seq}: held ${held || "a room line"}, then got ${id || "a room line"}`);
				}
			}
			if (line.seq > this.roomSeq) this.roomSeq = line.seq;
		}
		while (this.held.has(this.lastSeq + 1)) this.lastSeq++;
	}

	#syncIfGap(): void {
		const ws = this.#ws;
		if (!ws || !this.#online || this.#syncing || this.roomSeq <= this.lastSeq) return;
		this.#syncing = true;
		this.counts.syncs++;
		ws.send(JSON.stringify({ type: "sync", since: this.lastSeq }));
	}

	#sendMessage(id: string): void {
		const text = this.outbox.get(id);
		if (text === undefined) return;
		this.#ws?.send(JSON.stringify({ type: "send", id, text }));
	}
}
