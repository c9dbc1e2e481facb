/**
 * The connection to one room: a reconnecting WebSocket (partysocket) that
 * joins again after every reconnect, telling the room the last sequence
 * number it saw so that the room sends exactly what was missed.
 */
import ReconnectingWebSocket from "partysocket/ws";
import type { ClientMessage, ServerMessage } from "../worker/protocol";

export interface RoomConnection {
	send(frame: ClientMessage): void;
	/** Joins again under another name (after the room refused one). */
	rejoin(name: string): void;
	close(): void;
}

export interface RoomConnectionOptions {
	room: string;
	name: string;
	user: string;
	/** The last sequence number this client holds without a gap, once it has joined. */
	lastSeq: () => number | undefined;
	onFrame: (msg: ServerMessage) => void;
	onStatus: (status: "connecting" | "online" | "reconnecting") => void;
}

/** Backoff: from 0.5 s growing ×1.6 to 10 s, each wait plus up to as much again at random (jitter). */
const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
const GROW = 1.6;

export function connectRoom(options: RoomConnectionOptions): RoomConnection {
	let name = options.name;
	const scheme = location.protocol === "https:" ? "wss:" : "ws:";
	const url = `${scheme}//${location.host}/api/rooms/${encodeURIComponent(options.room)}/websocket`;
	// partysocket waits min×grow^n between tries but does not jitter; the URL provider adds the jitter,
	// so that clients dropped together do not all come back in the same instant.
	const socket: ReconnectingWebSocket = new ReconnectingWebSocket(
		async () => {
			const retry = socket?.retryCount ?? 0;
			if (retry > 0) {
				const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * GROW ** (retry - 1));
				await new Promise((resolve) => setTimeout(resolve, Math.random() * base));
			}
			return url;
		},
		[],
		{
			minReconnectionDelay: MIN_DELAY_MS,
			maxReconnectionDelay: MAX_DELAY_MS,
			reconnectionDelayGrowFactor: GROW,
			connectionTimeout: 4000,
			// Sends made while closed are kept as pending by the store, not queued here.
			maxEnqueuedMessages: 0,
		},
	);

	const send = (frame: ClientMessage) => {
		if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
	};
	const join = () => {
		const since = options.lastSeq();
		send({ type: "join", name, user: options.user, ...(since !== undefined && { since }) });
	};

	options.onStatus("connecting");
	socket.addEventListener("open", () => {
		join();
	});
	socket.addEventListener("close", () => options.onStatus("reconnecting"));
	socket.addEventListener("message", (event: MessageEvent) => {
		if (typeof event.data !== "string") return;
		const msg = JSON.parse(event.data) as ServerMessage;
		if (msg.type === "welcome") options.onStatus("online");
		options.onFrame(msg);
	});

	return {
		send,
		rejoin(newName) {
			name = newName;
			join();
		},
		close: () => socket.close(),
	};
}
