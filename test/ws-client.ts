import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
/**
 * The workerd tests' one home for helpers: a test client for a room, which
 * opens a WebSocket through the worker and lets a test wait for the frame it
 * expects (no sleeping), fresh rooms and addresses, and the steps the abuse
 * tests share. Every socket comes from an address of its own unless a test
 * names one: rate limits count per address across rooms, so a test that does
 * not mean to share a limit must never share an address.
 */
import { env, exports } from "cloudflare:workers";
import {
	type ChatMessage,
	type ClientMessage,
	HEARTBEAT,
	isChange,
	type Line,
	PROTOCOL_VERSION,
	type ServerMessage,
} from "../protocol";

/** The room's lines a frame carries: one in "message", several in "messages". */
export function linesOf(m: ServerMessage): Line[] {
	return m.type === "message" ? [m.message] : m.type === "messages" ? m.messages : [];
}

/** A fresh address from 10.0.0.0/8 (IPv4 addresses are limited one by one). */
export function newAddress(): string {
	const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
	return `10.${a}.${b}.${c}`;
}

export class TestClient {
	readonly received: ServerMessage[] = [];
	/** Answers to the heartbeat: the text frame "pong", outside the JSON frames. */
	pongs = 0;
	#waiters: { test: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
	#pongWaiters: (() => void)[] = [];
	closed: Promise<CloseEvent>;

	private constructor(readonly ws: WebSocket) {
		ws.accept();
		ws.addEventListener("message", (event) => {
			if (event.data === HEARTBEAT.pong) {
				this.pongs += 1;
				for (const wake of this.#pongWaiters.splice(0)) wake();
				return;
			}
			const msg = JSON.parse(event.data as string) as ServerMessage;
			this.received.push(msg);
			this.#waiters = this.#waiters.filter((w) => {
				if (!w.test(msg)) return true;
				w.resolve(msg);
				return false;
			});
		});
		this.closed = new Promise((resolve) => ws.addEventListener("close", resolve));
	}

	/**
	 * Opens a socket; from an address of its own unless `headers` names one, so tests never share a rate limit.
	 * It speaks this code's protocol version unless told another.
	 */
	static async open(
		room: string,
		headers: Record<string, string> = {},
		version = PROTOCOL_VERSION,
	): Promise<TestClient> {
		const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/websocket?v=${version}`, {
			headers: { Upgrade: "websocket", "CF-Connecting-IP": newAddress(), ...headers },
		});
		if (!res.webSocket) throw new Error(`No WebSocket: ${res.status} ${await res.text()}`);
		return new TestClient(res.webSocket);
	}

	/** Wraps a socket a test opened itself. */
	static from(ws: WebSocket): TestClient {
		return new TestClient(ws);
	}

	/** Opens a socket and joins; resolves with the welcome. */
	static async join(
		room: string,
		name: string,
		user = `user-${crypto.randomUUID()}`,
		since?: number,
		version = PROTOCOL_VERSION,
	) {
		const client = await TestClient.open(room, {}, version);
		client.send({ type: "join", name, user, ...(since !== undefined && { since }) });
		const welcome = await client.waitFor("welcome");
		return { client, welcome, user };
	}

	send(frame: ClientMessage): void {
		this.ws.send(JSON.stringify(frame));
	}

	sendRaw(data: string | ArrayBuffer): void {
		this.ws.send(data);
	}

	/** The first frame of `type` matching `where`, already received or still to come. */
	waitFor<T extends ServerMessage["type"]>(
		type: T,
		where: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
	): Promise<Extract<ServerMessage, { type: T }>> {
		const test = (m: ServerMessage) => m.type === type && where(m as Extract<ServerMessage, { type: T }>);
		const found = this.received.find(test);
		if (found) return Promise.resolve(found as Extract<ServerMessage, { type: T }>);
		return new Promise((resolve) => {
			this.#waiters.push({ test, resolve: (m) => resolve(m as Extract<ServerMessage, { type: T }>) });
		});
	}

	/** Waits until `n` pongs have come in all. */
	async pongsReceived(n: number): Promise<void> {
		while (this.pongs < n) await new Promise<void>((resolve) => this.#pongWaiters.push(resolve));
	}

	/** Waits for the message (chat, join or leave line) with this text. */
	message(text: string): Promise<ChatMessage> {
		return this.waitForLine((l): l is ChatMessage => !isChange(l) && l.text === text);
	}

	/** The first line of the room received live that matches, already received or still to come. */
	waitForLine<T extends Line>(match: (l: Line) => l is T): Promise<T> {
		const found = this.lines().find(match);
		if (found) return Promise.resolve(found);
		return new Promise<T>((resolve) => {
			this.#waiters.push({
				test: (m) => linesOf(m).some(match),
				resolve: (m) => resolve(linesOf(m).find(match) as T),
			});
		});
	}

	/** Waits for an error frame with this code. */
	error(code: string) {
		return this.waitFor("error", (m) => m.code === code);
	}

	/** Messages (not changes) received so far, by text. */
	texts(): string[] {
		return this.lines().flatMap((m) => (isChange(m) ? [] : [m.text]));
	}

	/** Lines of the room received live (alone or batched), in the order they came. */
	lines(): Line[] {
		return this.received.flatMap(linesOf);
	}

	close(): void {
		this.ws.close(1000, "done");
	}
}

/** A room no other test uses. */
export const newRoom = () => `room-${crypto.randomUUID()}`;

export function openFrom(room: string, ip = newAddress(), headers: Record<string, string> = {}) {
	return TestClient.open(room, { "CF-Connecting-IP": ip, ...headers });
}

/** Opens a socket from `ip` and joins as `name`; resolves with the welcome. */
export async function joinFrom(room: string, name: string, ip = newAddress(), user = `user-${crypto.randomUUID()}`) {
	const client = await openFrom(room, ip);
	client.send({ type: "join", name, user });
	const welcome = await client.waitFor("welcome");
	return { client, welcome, user };
}

/** A WebSocket upgrade request for a room, as the worker answers it (at http://example.com). */
export function upgrade(room: string, headers: Record<string, string> = {}): Promise<Response> {
	return exports.default.fetch(`http://example.com/api/rooms/${room}/websocket`, {
		headers: { Upgrade: "websocket", ...headers },
	});
}

/** Closes the WebSocket a successful upgrade returned, so it does not count against a cap. */
export function discard(res: Response): void {
	res.webSocket?.accept();
	res.webSocket?.close(1000, "done");
}

/** Waits, message by message, until `done()` holds; fails if the socket closes first. */
export async function until(client: TestClient, done: () => boolean): Promise<void> {
	while (!done()) {
		const next = new Promise((resolve) => client.ws.addEventListener("message", resolve, { once: true }));
		const closed = client.closed.then((e) => {
			if (!done()) throw new Error(`Socket closed (${e.code} ${e.reason}) before the awaited frames came`);
		});
		await Promise.race([next, closed]);
	}
}

/** How many frames of these types the client has received. */
export function count(client: TestClient, ...types: string[]): number {
	return client.received.filter((m) => types.includes(m.type)).length;
}

/** How many rate_limited errors the client has received. */
export function rateLimited(client: TestClient): number {
	return client.received.filter((m) => m.type === "error" && m.code === "rate_limited").length;
}

/**
 * Lets `ms` pass for the room's presence, as its alarm sees time: every
 * pending departure falls due that much sooner, then the alarm runs. Time in
 * these tests comes from the alarm, never from waiting out a grace period.
 */
export async function elapse(room: string, ms: number): Promise<void> {
	const stub = env.CHAT_ROOM.getByName(room);
	await runInDurableObject(stub, (_instance, state) => {
		state.storage.sql.exec("UPDATE departures SET due = due - ?", ms);
	});
	await runDurableObjectAlarm(stub);
}

/** A name as "New private room" makes them: 22 characters of base64url, whose first claimant becomes its owner. */
export function newPrivateRoom(): string {
	return randomBase64url(16);
}

/** A secret as a page makes one: 256 random bits in base64url. */
export function newSecret(): string {
	return randomBase64url(32);
}

function randomBase64url(bytes: number): string {
	return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))))
		.replace(/\+/g, "-")
		.replace(/\//g, "_")
		.replace(/=+$/, "");
}

/** A private room whose owner is Ana, with Carla, a moderator by the moderator link, and Bruno, a member. */
export async function ownedRoom() {
	const room = newPrivateRoom();
	const secret = newSecret();
	const ana = await joinAs(room, "Ana", { secret });
	ana.client.send({ type: "link", kind: "moderator" });
	const link = await ana.client.waitFor("link");
	const carla = await joinAs(room, "Carla", { secret: link.secret });
	const bruno = await joinAs(room, "Bruno");
	return { room, secret, ana, bruno, carla, modLink: link.secret };
}

export interface JoinOptions {
	user?: string;
	ip?: string;
	/** Presented with `claim` before joining, as a page that holds one does. */
	secret?: string;
	/** The protocol version the client says it speaks; this code's by default. */
	version?: number;
}

/** Opens a socket as a page of `version` does (`?v=`), from `ip`. */
export async function openAt(room: string, version: number = PROTOCOL_VERSION, ip = newAddress()) {
	const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/websocket?v=${version}`, {
		headers: { Upgrade: "websocket", "CF-Connecting-IP": ip },
	});
	if (!res.webSocket) throw new Error(`No WebSocket: ${res.status} ${await res.text()}`);
	return TestClient.from(res.webSocket);
}

/** Joins as today's page does, presenting `secret` first if given; resolves with the welcome. */
export async function joinAs(room: string, name: string, options: JoinOptions = {}) {
	const user = options.user ?? `user-${crypto.randomUUID()}`;
	const client = await openAt(room, options.version, options.ip);
	if (options.secret) client.send({ type: "claim", secret: options.secret });
	client.send({ type: "join", name, user });
	const welcome = await client.waitFor("welcome");
	return { client, welcome, user };
}
