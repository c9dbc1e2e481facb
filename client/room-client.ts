/**
 * The connection to one room: a reconnecting WebSocket that joins again after
 * every reconnect, telling the room the last sequence number it saw so that
 * the room sends exactly what was missed.
 */
import { type ClientMessage, PROTOCOL_VERSION, type ServerMessage } from "../protocol";
import { ReconnectingSocket } from "./reconnecting-socket";

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

export function connectRoom(options: RoomConnectionOptions): RoomConnection {
	let name = options.name;
	const scheme = location.protocol === "https:" ? "wss:" : "ws:";
	const url = `${scheme}//${location.host}/api/rooms/${encodeURIComponent(options.room)}/websocket?v=${PROTOCOL_VERSION}`;

	const send = (frame: ClientMessage) => socket.send(JSON.stringify(frame));
	const join = () => {
		const since = options.lastSeq();
		send({ type: "join", name, user: options.user, ...(since !== undefined && { since }) });
	};

	options.onStatus("connecting");
	// Once closed on purpose (leaving, changing name), this connection has nothing more to say.
	let closed = false;
	const socket = new ReconnectingSocket(url, {
		open: join,
		close: () => closed || options.onStatus("reconnecting"),
		message(data) {
			if (closed) return;
			const msg = JSON.parse(data) as ServerMessage;
			// A room older than the heartbeat answers "ping" with bad_json: proof of life all the same, and
			// nothing else this client sends can be anything but JSON.
			if (msg.type === "error" && msg.code === "bad_json") return;
			if (msg.type === "welcome") options.onStatus("online");
			options.onFrame(msg);
		},
	});

	return {
		send,
		rejoin(newName) {
			name = newName;
			join();
		},
		close() {
			closed = true;
			socket.close();
		},
	};
}
