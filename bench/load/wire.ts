/**
 * The few bits of the Hashzap protocol the load generator speaks, shared by
 * Hashzap and the floor: join and send frames, bench message texts that carry
 * their own send time, and cheap checks of incoming frames (prefix tests, so
 * that the generator spends no JSON.parse on the hot path). Reactions are
 * Hashzap's alone (protocol version 5): the floor knows no such frame.
 */
import WebSocket from "ws";

/** Bench texts look like "b|<phase>|<sender>|<index>|<sent µs>"; nothing else in a room starts with "b|". */
const TEXT_MARK = '"text":"b|';

/** A join; `since` (the last seq held without a gap) asks the room for exactly what came after it. */
export function joinFrame(name: string, user: string, since?: number): string {
	return JSON.stringify({ type: "join", name, user, ...(since !== undefined && { since }) });
}

export function sendFrame(phase: number, sender: number, index: number, sentUs: number): string {
	return `{"type":"send","id":"p${phase}s${sender}i${index}","text":"b|${phase}|${sender}|${index}|${Math.round(sentUs)}"}`;
}

/** A reaction, on, to message `seq`; its id starts with "r", so that its ack is told from a send's. */
export function reactFrame(phase: number, index: number, seq: number, emoji: string): string {
	return `{"type":"react","id":"r${phase}i${index}","seq":${seq},"emoji":"${emoji}","on":true}`;
}

export const isReactAck = (frame: string) => frame.startsWith('{"type":"ack","id":"r');

/** The seq of the last bench message in a "message" or "messages" frame (a line starts with its seq). */
export function lastSeqOf(frame: string): number | undefined {
	const at = frame.lastIndexOf('{"seq":', frame.lastIndexOf(TEXT_MARK));
	return at < 0 ? undefined : Number.parseInt(frame.slice(at + 7, at + 24), 10);
}

/** How many reaction lines a "message" or "messages" frame holds. */
export function reactionLinesIn(frame: string): number {
	let n = 0;
	for (let at = frame.indexOf('"kind":"react"'); at >= 0; at = frame.indexOf('"kind":"react"', at + 1)) n++;
	return n;
}

export interface Delivery {
	phase: number;
	sender: number;
	index: number;
	sentUs: number;
}

/**
 * The bench chat messages in a "message" frame (one) or a "messages" frame
 * (a batch the room sends when several lines were stored in one tick); empty
 * for any other frame (joins, welcome, acks...).
 */
export function readDeliveries(frame: string): Delivery[] {
	if (!frame.startsWith('{"type":"message')) return [];
	const deliveries: Delivery[] = [];
	for (let at = frame.indexOf(TEXT_MARK); at >= 0; at = frame.indexOf(TEXT_MARK, at + 1)) {
		const start = at + TEXT_MARK.length;
		const parts = frame.slice(start, frame.indexOf('"', start)).split("|");
		deliveries.push({
			phase: Number(parts[0]),
			sender: Number(parts[1]),
			index: Number(parts[2]),
			sentUs: Number(parts[3]),
		});
	}
	return deliveries;
}

export const isAck = (frame: string) => frame.startsWith('{"type":"ack"');
export const isWelcome = (frame: string) => frame.startsWith('{"type":"welcome"');
export const isError = (frame: string) => frame.startsWith('{"type":"error"');

/** A user key the room accepts (8-64 of [A-Za-z0-9_-]), unique per client. */
export function userKey(prefix: string, index: number): string {
	return `${prefix}-user-${index}`.padEnd(8, "x");
}

/** Opens a socket. Compression is off on both servers' sockets: it would cost both sides CPU and hide the room's own cost. */
export function openSocket(url: string, timeoutMs = 30_000): Promise<WebSocket> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { perMessageDeflate: false });
		const timer = setTimeout(() => {
			ws.terminate();
			reject(new Error(`socket to ${url} did not open within ${timeoutMs} ms`));
		}, timeoutMs);
		ws.once("open", () => {
			clearTimeout(timer);
			resolve(ws);
		});
		ws.once("error", (e) => {
			clearTimeout(timer);
			reject(e);
		});
	});
}

/** Sends a join and waits for the welcome; an error frame rejects. */
export function join(ws: WebSocket, name: string, user: string, timeoutMs = 30_000): Promise<string> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => done(new Error(`no welcome within ${timeoutMs} ms`)), timeoutMs);
		const onMessage = (data: WebSocket.RawData) => {
			const frame = String(data);
			if (isWelcome(frame)) done(undefined, frame);
			else if (isError(frame)) done(new Error(`join refused: ${frame}`));
		};
		const onClose = (code: number) => done(new Error(`socket closed (${code}) before the welcome`));
		function done(error?: Error, frame?: string) {
			clearTimeout(timer);
			ws.off("message", onMessage);
			ws.off("close", onClose);
			if (error) reject(error);
			else resolve(frame as string);
		}
		ws.on("message", onMessage);
		ws.on("close", onClose);
		ws.send(joinFrame(name, user));
	});
}

/** Closes a socket and waits for the close handshake (or terminates it after a while). */
export function closeSocket(ws: WebSocket, timeoutMs = 5000): Promise<void> {
	if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(() => {
			ws.terminate();
			resolve();
		}, timeoutMs);
		ws.once("close", () => {
			clearTimeout(timer);
			resolve();
		});
		ws.close(1000);
	});
}
