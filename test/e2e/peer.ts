/**
 * Someone in the room who is not a page: a bare WebSocket client on Node,
 * for the browser tests' bystanders and for filling a room fast. Each has an
 * address of its own (wrangler dev keeps a CF-Connecting-IP it is given), so
 * the rate limits of one never touch another's.
 */
import WebSocket from "ws";
import { type ChatMessage, type ClientMessage, isChange, PROTOCOL_VERSION, type ServerMessage } from "../../protocol";
import type { AppServer } from "./app-server";

let addresses = 0;

export interface Peer {
	readonly received: ServerMessage[];
	/** Chat, join and leave lines received live, in order (not changes to them). */
	lines(): ChatMessage[];
	texts(): string[];
	/** Sends a message and waits until the room has stored it. */
	say(text: string): Promise<void>;
	/** Waits for the line with this text. */
	hear(text: string): Promise<ChatMessage>;
	/** Waits for a line that passes `test`. */
	heard(test: (line: ChatMessage) => boolean): Promise<ChatMessage>;
	/** Edits, deletes or reacts to a message and waits until the room has stored the change. */
	change(frame: DistributiveOmit<Extract<ClientMessage, { type: "edit" | "delete" | "react" }>, "id">): Promise<void>;
	/** Gives the room a display title (the room's creator only) and waits until the room has stored it. */
	title(text: string): Promise<void>;
	close(): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export async function joinPeer(app: AppServer, room: string, name: string, user = `peer-${crypto.randomUUID()}`) {
	addresses += 1;
	const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api/rooms/${room}/websocket?v=${PROTOCOL_VERSION}`, {
		headers: { "CF-Connecting-IP": `10.99.${addresses >> 8}.${addresses & 255}` },
	});
	const received: ServerMessage[] = [];
	let waiters: { wake: () => void; fail: (e: Error) => void }[] = [];
	let closed = false;
	ws.on("message", (data) => {
		received.push(JSON.parse(String(data)) as ServerMessage);
		for (const w of waiters.splice(0)) w.wake();
	});
	ws.on("close", () => {
		closed = true;
		for (const w of waiters.splice(0)) w.fail(new Error(`${name}'s socket closed`));
	});
	const until = async <T>(find: () => T | undefined): Promise<T> => {
		for (;;) {
			const found = find();
			if (found !== undefined) return found;
			if (closed) throw new Error(`${name}'s socket closed`);
			await new Promise<void>((wake, fail) => waiters.push({ wake, fail }));
		}
	};
	await new Promise((resolve, reject) => {
		ws.once("open", resolve);
		ws.once("error", reject);
	});
	ws.send(JSON.stringify({ type: "join", name, user }));
	await until(() => received.find((m) => m.type === "welcome"));
	const lines = () =>
		received
			.flatMap((m) => (m.type === "message" ? [m.message] : m.type === "messages" ? m.messages : []))
			.filter((l): l is ChatMessage => !isChange(l));
	let sent = 0;
	const peer: Peer = {
		received,
		lines,
		texts: () => lines().map((m) => m.text),
		async say(text) {
			const id = `${user}-${sent++}`;
			ws.send(JSON.stringify({ type: "send", id, text }));
			await until(() => received.find((m) => m.type === "ack" && m.id === id));
		},
		hear: (text) => until(() => lines().find((m) => m.text === text)),
		heard: (test) => until(() => lines().find(test)),
		async change(frame) {
			const id = `${user}-change-${sent++}`;
			ws.send(JSON.stringify({ ...frame, id }));
			const answer = await until(() => received.find((m) => (m.type === "ack" || m.type === "error") && m.id === id));
			if (answer.type !== "ack") throw new Error(`${name}'s ${frame.type} was refused: ${JSON.stringify(answer)}`);
		},
		async title(text) {
			const id = `${user}-title-${sent++}`;
			ws.send(JSON.stringify({ type: "title", id, text }));
			const answer = await until(() => received.find((m) => (m.type === "ack" || m.type === "error") && m.id === id));
			if (answer.type !== "ack") throw new Error(`${name} could not title the room: ${JSON.stringify(answer)}`);
		},
		close() {
			waiters = [];
			ws.close();
		},
	};
	return peer;
}
