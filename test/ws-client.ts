import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
/**
 * The workerd tests' one home for helpers: a test client for a room, which
 * opens a WebSocket through the worker and lets a test wait for the frame it
 * expects (no sleeping), fresh rooms and addresses, and the steps the abuse
 * tests share. Every socket comes from an address of its own unless a test
 * names one: rate limits count per address across rooms, so a test that does
 * not mean to share a limit must never share an address.
 *
 * One way in: `TestClient.open(room, options)` for a socket, and
 * `TestClient.join(room, name, options)` for a socket that has joined. Every
 * wait fails loudly: after WAIT_MS it names what it waited for and lists the
 * frames that did arrive, and it fails at once when the socket closes.
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

/**
 * How long a wait lasts before it fails with what arrived instead. Well under the tests' own timeout
 * (vitest.config.ts), so that a test that waits in vain says what for, not just that time ran out.
 */
export const WAIT_MS = 10_000;

/** The room's lines a frame carries: one in "message", several in "messages". */
export function linesOf(m: ServerMessage): Line[] {
	return m.type === "message" ? [m.message] : m.type === "messages" ? m.messages : [];
}

/** A fresh address from 10.0.0.0/8 (IPv4 addresses are limited one by one). */
export function newAddress(): string {
	const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
	return `10.${a}.${b}.${c}`;
}

export interface OpenOptions {
	/** The address the socket comes from (CF-Connecting-IP); one of its own unless named. */
	ip?: string;
	/** The protocol version the client says it speaks (`?v=`): this code's unless told another; null says none, as the first pages did. */
	version?: number | null;
	/** More headers on the upgrade request (Origin, for one). */
	headers?: Record<string, string>;
}

export interface JoinOptions extends OpenOptions {
	/** The device key; a new device unless named (another tab of a device names its key). */
	user?: string;
	/** Presented with `claim` before joining, as a page that holds one does. */
	secret?: string;
	/** The last seq this device holds: the room continues from there. */
	since?: number;
}

export interface Joined {
	client: TestClient;
	welcome: Extract<ServerMessage, { type: "welcome" }>;
	user: string;
}

/** The errors that answer a join with no: join() fails at once on one (a refused secret does not stop the join). */
const JOIN_REFUSALS: string[] = [
	"invalid_frame",
	"invalid_name",
	"name_taken",
	"rate_limited",
	"room_locked",
	"banned",
];

/** A wait ended because the socket closed: a test that expects the close can tell it from a timeout. */
export class SocketClosed extends Error {}

type ServerMessageType = ServerMessage["type"];
type Frame<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;

export class TestClient {
	readonly received: ServerMessage[] = [];
	/** Answers to the heartbeat: the text frame "pong", outside the JSON frames. */
	pongs = 0;
	readonly closed: Promise<CloseEvent>;
	#closedWith: CloseEvent | null = null;
	/** Each pending wait's check, run on every frame and on the close. */
	readonly #checks = new Set<() => void>();

	private constructor(readonly ws: WebSocket) {
		ws.accept();
		ws.addEventListener("message", (event) => {
			if (event.data === HEARTBEAT.pong) this.pongs += 1;
			else this.received.push(JSON.parse(event.data as string) as ServerMessage);
			for (const check of [...this.#checks]) check();
		});
		this.closed = new Promise((resolve) =>
			ws.addEventListener("close", (event) => {
				this.#closedWith = event;
				resolve(event);
				for (const check of [...this.#checks]) check();
			}),
		);
	}

	/** Opens a socket to the room through the worker, as a page does. */
	static async open(room: string, options: OpenOptions = {}): Promise<TestClient> {
		const { ip = newAddress(), version = PROTOCOL_VERSION, headers = {} } = options;
		const query = version === null ? "" : `?v=${version}`;
		const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/websocket${query}`, {
			headers: { Upgrade: "websocket", "CF-Connecting-IP": ip, ...headers },
		});
		if (!res.webSocket) throw new Error(`No WebSocket for room ${room}: ${res.status} ${await res.text()}`);
		return new TestClient(res.webSocket);
	}

	/** Opens a socket and joins as `name`; resolves with the welcome, and fails at once if the room refuses the join. */
	static async join(room: string, name: string, options: JoinOptions = {}): Promise<Joined> {
		const { user = `user-${crypto.randomUUID()}`, secret, since, ...open } = options;
		const client = await TestClient.open(room, open);
		if (secret) client.send({ type: "claim", secret });
		client.send({ type: "join", name, user, ...(since !== undefined && { since }) });
		const answer = await client.next(
			(m) => m.type === "welcome" || (m.type === "error" && JOIN_REFUSALS.includes(m.code)),
			`the welcome to ${room} as ${JSON.stringify(name)}`,
		);
		if (answer.type !== "welcome") throw new Error(`${name} was not let into ${room}: ${JSON.stringify(answer)}`);
		return { client, welcome: answer, user };
	}

	send(frame: ClientMessage): void {
		this.ws.send(JSON.stringify(frame));
	}

	sendRaw(data: string | ArrayBuffer): void {
		this.ws.send(data);
	}

	/**
	 * Waits until `find` returns something (checked now, on every frame and on the close), and resolves
	 * with it. Fails after `timeoutMs`, or at once when the socket closes, naming `what` and listing the
	 * frames that did arrive.
	 */
	when<T>(find: () => T | undefined, what: string, timeoutMs = WAIT_MS): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			const done = () => {
				clearTimeout(timer);
				this.#checks.delete(check);
			};
			const check = () => {
				const found = find();
				if (found !== undefined) {
					done();
					resolve(found);
				} else if (this.#closedWith) {
					done();
					const { code, reason } = this.#closedWith;
					reject(
						new SocketClosed(`The socket closed (${code} ${reason}) while waiting for ${what}. ${this.arrived()}`),
					);
				}
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`Waited ${timeoutMs / 1000} s for ${what}, in vain. ${this.arrived()}`));
			}, timeoutMs);
			this.#checks.add(check);
			check();
		});
	}

	/** Waits until `done()` holds; `what` says what that means, for the message if it never does. */
	async until(done: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
		await this.when(() => (done() ? true : undefined), what, timeoutMs);
	}

	/** The first frame that passes `test`, already received or still to come. */
	next(test: (m: ServerMessage) => boolean, what: string): Promise<ServerMessage> {
		return this.when(() => this.received.find(test), what);
	}

	/** The first frame of `type` matching `where`, already received or still to come. */
	waitFor<T extends ServerMessageType>(
		type: T,
		where?: (m: Frame<T>) => boolean,
		what = `a frame of type "${type}"${where ? ` where ${where}` : ""}`,
	): Promise<Frame<T>> {
		const test = (m: ServerMessage): m is Frame<T> => m.type === type && (!where || where(m as Frame<T>));
		return this.when(() => this.received.find(test), what);
	}

	/** Waits until `n` pongs have come in all. */
	pongsReceived(n: number): Promise<void> {
		return this.until(() => this.pongs >= n, `${n} pongs (${this.pongs} so far)`);
	}

	/** Waits for the message (chat, join or leave line) with this text. */
	message(text: string): Promise<ChatMessage> {
		return this.waitForLine(
			(l): l is ChatMessage => !isChange(l) && l.text === text,
			`the line ${JSON.stringify(text)}`,
		);
	}

	/** The first line of the room received live that matches, already received or still to come. */
	waitForLine<T extends Line>(match: (l: Line) => l is T, what = `a line where ${match}`): Promise<T> {
		return this.when(() => this.lines().find(match), what);
	}

	/** Waits for an error frame with this code. */
	error(code: string) {
		return this.waitFor("error", (m) => m.code === code, `an error "${code}"`);
	}

	/** Messages (not changes) received so far, by text. */
	texts(): string[] {
		return this.lines().flatMap((m) => (isChange(m) ? [] : [m.text]));
	}

	/** Lines of the room received live (alone or batched), in the order they came. */
	lines(): Line[] {
		return this.received.flatMap(linesOf);
	}

	/** What has arrived so far, for a failed wait's message: the frames (the last 30, each cut short) and the pongs. */
	arrived(): string {
		const shown = this.received.slice(-30).map((m) => {
			const json = JSON.stringify(m);
			return `\n  ${json.length > 200 ? `${json.slice(0, 200)}…` : json}`;
		});
		const skipped = this.received.length - shown.length;
		return `Frames that arrived (${this.received.length}${skipped ? `, the first ${skipped} not shown` : ""}, and ${this.pongs} pongs):${shown.join("") || " none"}`;
	}

	close(): void {
		this.ws.close(1000, "done");
	}
}

/** A room no other test uses. */
export const newRoom = () => `room-${crypto.randomUUID()}`;

/**
 * A WebSocket upgrade request for a room, as the worker answers it (at http://example.com): for tests
 * of the answer itself (a refusal's status). To talk in the room, use TestClient.open.
 */
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

/** A private room whose owner is Ana, with Carla, a moderator by the moderator link. */
export async function moderatedRoom() {
	const room = newPrivateRoom();
	const secret = newSecret();
	const ana = await TestClient.join(room, "Ana", { secret });
	ana.client.send({ type: "link", kind: "moderator" });
	const link = await ana.client.waitFor("link");
	const carla = await TestClient.join(room, "Carla", { secret: link.secret });
	return { room, secret, ana, carla, modLink: link.secret };
}

/** A private room whose owner is Ana, with Carla, a moderator by the moderator link, and Bruno, a member. */
export async function ownedRoom() {
	const moderated = await moderatedRoom();
	const bruno = await TestClient.join(moderated.room, "Bruno");
	return { ...moderated, bruno };
}

/** The next frame of `type` matching `where` that arrives from now on. */
export function next<T extends ServerMessage["type"]>(
	c: TestClient,
	type: T,
	where: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
) {
	const seen = new Set(c.received);
	return c.waitFor(type, (m) => !seen.has(m) && where(m));
}
