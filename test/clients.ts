/**
 * Clients with an address of their own (CF-Connecting-IP), for the abuse
 * tests: rate limits count per address across rooms, so a test that does not
 * mean to share a limit must never share an address.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { newAddress, TestClient } from "./ws-client";

export { newAddress };

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
