/**
 * Someone in the room who is not a page: a bare WebSocket client on Node,
 * for the browser tests' bystanders and for filling a room fast. Each has an
 * address of its own (wrangler dev keeps a CF-Connecting-IP it is given), so
 * the rate limits of one never touch another's, in this file or another
 * sharing the server. Every wait fails loudly: after WAIT_MS, or at once when
 * the socket closes, it says what it waited for and lists what did arrive.
 */
import WebSocket from "ws";
import { type ChatMessage, type ClientMessage, isChange, PROTOCOL_VERSION, type ServerMessage } from "../../protocol";
import type { App } from "./app-server";

/** How long a peer waits for a frame before it fails, saying which: well within a browser test's own timeout. */
const WAIT_MS = 15_000;

export interface Peer {
	readonly received: ServerMessage[];
	/** Chat, join and leave lines received live, in order (not changes to them). */
	lines(): ChatMessage[];
	texts(): string[];
	/** Sends a message and waits until the room has stored it; resolves with its seq. */
	say(text: string, options?: { replyTo?: number }): Promise<number>;
	/** Waits for the line with this text. */
	hear(text: string): Promise<ChatMessage>;
	/** Waits for a line that passes `test`. */
	heard(test: (line: ChatMessage) => boolean): Promise<ChatMessage>;
	/** Edits, deletes or reacts to a message and waits until the room has stored the change. */
	change(frame: DistributiveOmit<Extract<ClientMessage, { type: "edit" | "delete" | "react" }>, "id">): Promise<void>;
	/** Gives the room a display title (the room's creator only) and waits until the room has stored it. */
	title(text: string): Promise<void>;
	/** Sends a frame as it is, for what the steps above do not cover. */
	send(frame: ClientMessage): void;
	/** Waits for the first frame that passes `test`, received already or still to come; `what` names it. */
	next(test: (frame: ServerMessage) => boolean, what: string): Promise<ServerMessage>;
	close(): void;
	/** Resolves once the socket has closed. */
	readonly closed: Promise<void>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An address from 10.0.0.0/8 no other peer is likely to have, in this file or another on the same server. */
function newAddress(): string {
	const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
	return `10.${a}.${b}.${c}`;
}

export async function joinPeer(app: App, room: string, name: string, user = `peer-${crypto.randomUUID()}`) {
	const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api/rooms/${room}/websocket?v=${PROTOCOL_VERSION}`, {
		headers: { "CF-Connecting-IP": newAddress() },
	});
	const received: ServerMessage[] = [];
	const checks = new Set<() => void>();
	let closedWith: string | null = null;
	const closed = new Promise<void>((resolve) =>
		ws.on("close", (code, reason) => {
			closedWith = `${code} ${reason}`;
			resolve();
			for (const check of [...checks]) check();
		}),
	);
	ws.on("message", (data) => {
		received.push(JSON.parse(String(data)) as ServerMessage);
		for (const check of [...checks]) check();
	});
	const arrived = () =>
		`${name} received ${received.length} frames:${received
			.slice(-20)
			.map((m) => `\n  ${JSON.stringify(m).slice(0, 200)}`)
			.join("")}`;
	const until = <T>(find: () => T | undefined, what: string): Promise<T> =>
		new Promise<T>((resolve, reject) => {
			const done = () => {
				clearTimeout(timer);
				checks.delete(check);
			};
			const check = () => {
				const found = find();
				if (found !== undefined) {
					done();
					resolve(found);
				} else if (closedWith !== null) {
					done();
					reject(new Error(`${name}'s socket closed (${closedWith}) while waiting for ${what}. ${arrived()}`));
				}
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`${name} waited ${WAIT_MS / 1000} s for ${what}, in vain. ${arrived()}`));
			}, WAIT_MS);
			checks.add(check);
			check();
		});
	await new Promise((resolve, reject) => {
		ws.once("open", resolve);
		ws.once("error", reject);
	});
	ws.send(JSON.stringify({ type: "join", name, user }));
	await until(() => received.find((m) => m.type === "welcome"), `the welcome to ${room}`);
	const lines = () =>
		received
			.flatMap((m) => (m.type === "message" ? [m.message] : m.type === "messages" ? m.messages : []))
			.filter((l): l is ChatMessage => !isChange(l));
	let sent = 0;
	/** Sends a frame with an id and waits for the room's answer to it: an ack, or an error that fails the step. */
	const answered = async (frame: ClientMessage & { id: string }, what: string) => {
		ws.send(JSON.stringify(frame));
		const answer = await until(
			() => received.find((m) => (m.type === "ack" || m.type === "error") && m.id === frame.id),
			`the room's answer to ${what}`,
		);
		if (answer.type !== "ack") throw new Error(`${name}'s ${what} was refused: ${JSON.stringify(answer)}`);
		return answer.seq;
	};
	const peer: Peer = {
		received,
		lines,
		texts: () => lines().map((m) => m.text),
		say: (text, options = {}) =>
			answered({ type: "send", id: `${user}-${sent++}`, text, ...options }, `the message ${JSON.stringify(text)}`),
		hear: (text) => until(() => lines().find((m) => m.text === text), `the line ${JSON.stringify(text)}`),
		heard: (test) => until(() => lines().find(test), `a line where ${test}`),
		async change(frame) {
			await answered({ ...frame, id: `${user}-change-${sent++}` }, `${frame.type} of seq ${frame.seq}`);
		},
		async title(text) {
			await answered({ type: "title", id: `${user}-title-${sent++}`, text }, `the title ${JSON.stringify(text)}`);
		},
		send: (frame) => ws.send(JSON.stringify(frame)),
		next: (test, what) => until(() => received.find(test), what),
		close() {
			ws.close();
		},
		closed,
	};
	return peer;
}
