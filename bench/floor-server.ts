/**
 * The floor: the least a chat server can do on this machine, to measure
 * Hashzap against. A Node `ws` server that speaks just enough of the Hashzap
 * protocol (join → welcome with the last page, send → ack + broadcast) and
 * keeps messages in an array. No validation, storage, presence or limits.
 * It also serves a one-button page, the floor for "Start Chat" visible.
 *
 * Run as its own process (`node bench/floor-server.ts`) so that its CPU and
 * memory can be read apart from the load generator's; it prints
 * "listening <port>" once ready and stops on SIGTERM.
 */
import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";

interface Message {
	seq: number;
	id: string;
	kind: "chat";
	name: string;
	text: string;
	at: number;
}

interface Room {
	sockets: Set<WebSocket>;
	history: Message[];
	seq: number;
}

/** The same history cap and join page as Hashzap's defaults, so a join carries the same page. */
const HISTORY_LIMIT = 10_000;
const JOIN_PAGE = 50;

const PAGE = '<!doctype html><html lang="en"><title>floor</title><button>Start Chat</button></html>';

const rooms = new Map<string, Room>();

function roomOf(name: string): Room {
	let room = rooms.get(name);
	if (!room) {
		room = { sockets: new Set(), history: [], seq: 0 };
		rooms.set(name, room);
	}
	return room;
}

const http = createServer((req, res) => {
	if (req.url === "/api/health") {
		res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
		return;
	}
	res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
});

const wss = new WebSocketServer({ server: http });

wss.on("connection", (ws, req) => {
	const roomName = req.url?.split("/")[3] ?? "lobby";
	const room = roomOf(roomName);
	let name: string | undefined;
	ws.on("message", (data) => {
		const frame = JSON.parse(String(data)) as { type: string; name?: string; id?: string; text?: string };
		if (frame.type === "join") {
			name = frame.name ?? "?";
			room.sockets.add(ws);
			const messages = room.history.slice(-JOIN_PAGE);
			ws.send(
				JSON.stringify({
					type: "welcome",
					room: roomName,
					name,
					seq: room.seq,
					messages,
					reset: true,
					hasMore: room.history.length > messages.length,
					online: [],
				}),
			);
		} else if (frame.type === "send" && name !== undefined) {
			room.seq += 1;
			const message: Message = {
				seq: room.seq,
				id: String(room.seq),
				kind: "chat",
				name,
				text: frame.text ?? "",
				at: Date.now(),
			};
			room.history.push(message);
			if (room.history.length > HISTORY_LIMIT) room.history.splice(0, room.history.length - HISTORY_LIMIT);
			ws.send(JSON.stringify({ type: "ack", id: frame.id, seq: message.seq }));
			const out = JSON.stringify({ type: "message", message });
			for (const peer of room.sockets) peer.send(out);
		}
	});
	ws.on("close", () => room.sockets.delete(ws));
});

http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
	const address = http.address();
	process.stdout.write(`listening ${typeof address === "object" && address ? address.port : 0}\n`);
});

process.on("SIGTERM", () => {
	for (const ws of wss.clients) ws.terminate();
	http.close(() => process.exit(0));
	setTimeout(() => process.exit(0), 1000).unref();
});
