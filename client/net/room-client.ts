/**
 * The connection to one room: a reconnecting WebSocket that joins again after
 * every reconnect, telling the room the last sequence number it saw so that
 * the room sends exactly what was missed, and the ids it still holds as
 * pending so that the room says which it stored. The join (and the claim
 * before it) is the connection's own opening; everything else the page
 * sends goes through session/outbound.ts.
 */
import { CLOSE_BANNED, CLOSE_KICKED, type ClientMessage, PROTOCOL_VERSION, type ServerMessage } from "../../protocol";
import { ReconnectingSocket } from "./reconnecting-socket";

export interface RoomConnection {
	send(frame: ClientMessage): void;
	/** Joins again on this connection: under another name (after the room refused one), or the same. */
	rejoin(name?: string): void;
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
	/** A secret this device holds for the room (docs/moderation.md), presented before each join. */
	secret?: () => string | null;
	/** The ids of sends and changes not yet acknowledged, to name in the join (protocol version 8), if any. */
	pending?: () => string[] | undefined;
	/** The room closed the connection for good: kicked or banned. No reconnecting after it. */
	onRemoved?: (code: number, reason: string) => void;
}

export function connectRoom(options: RoomConnectionOptions): RoomConnection {
	let name = options.name;
	const scheme = location.protocol === "https:" ? "wss:" : "ws:";
	const url = `${scheme}//${location.host}/api/rooms/${encodeURIComponent(options.room)}/websocket?v=${PROTOCOL_VERSION}`;

	const send = (frame: ClientMessage) => socket.send(JSON.stringify(frame));
	const join = () => {
		const secret = options.secret?.();
		if (secret) send({ type: "claim", secret });
		const since = options.lastSeq();
		const pending = options.pending?.();
		send({
			type: "join",
			name,
			user: options.user,
			...(since !== undefined && { since }),
			...(pending && { pending }),
		});
	};

	options.onStatus("connecting");
	// Once closed on purpose (leaving, changing name), this connection has nothing more to say.
	let closed = false;
	const socket = new ReconnectingSocket(url, {
		open: join,
		close(code, reason) {
			if (closed) return;
			if (code === CLOSE_KICKED || code === CLOSE_BANNED) {
				// Coming straight back would only be refused again (a ban) or defeat the kick.
				socket.close();
				options.onRemoved?.(code, reason);
				return;
			}
			options.onStatus("reconnecting");
		},
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
		rejoin(newName = name) {
			name = newName;
			join();
		},
		close() {
			closed = true;
			socket.close();
		},
	};
}
