/**
 * The heartbeat, as the room answers it: the text frame "ping" gets "pong"
 * from the runtime (setWebSocketAutoResponse), before any of the room's code
 * runs, so a hibernated room answers without waking. The client's side (a
 * missing pong is a dead connection) is in reconnecting-socket.test.ts and,
 * against a real half-open connection, test/e2e/heartbeat.test.ts.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HEARTBEAT } from "../protocol";
import { roomConfig } from "../worker/config";
import { newRoom, TestClient } from "./ws-client";

const config = roomConfig(env);

describe("the heartbeat", () => {
	it("answers ping with pong, outside the JSON frames: never parsed, never counted against the rate limits", async () => {
		const room = newRoom();
		const client = await TestClient.open(room);
		// Far more than a connection's burst: were pings frames, most would be refused rate_limited, or close it.
		const pings = config.connectionRate.burst + config.strikesToClose + 10;
		for (let i = 0; i < pings; i++) client.sendRaw(HEARTBEAT.ping);
		await client.pongsReceived(pings);
		client.send({ type: "join", name: "Ana", user: "user-heartbeat-1" });
		await client.waitFor("welcome");
		expect(client.received.filter((m) => m.type === "error")).toEqual([]);
		expect(client.ws.readyState).toBe(WebSocket.OPEN);
	});

	it("is answered while the room hibernates, by the runtime, which notes when it last did", async () => {
		const room = newRoom();
		const { client } = await TestClient.join(room, "Ana");
		const stub = env.CHAT_ROOM.getByName(room);
		await evictDurableObject(stub);
		client.sendRaw(HEARTBEAT.ping);
		await client.pongsReceived(1);
		const answeredAt = await runInDurableObject(stub, (_instance, state) =>
			state.getWebSockets().map((ws) => state.getWebSocketAutoResponseTimestamp(ws)),
		);
		expect(answeredAt).toEqual([expect.any(Date)]);
		// The session survived: the room still knows Ana.
		client.send({ type: "send", id: "after", text: "still here" });
		expect(await client.message("still here")).toMatchObject({ name: "Ana" });
	});

	it("answers only the exact text ping: anything else is a frame like any other", async () => {
		const client = await TestClient.open(newRoom());
		client.sendRaw("PING");
		await client.error("bad_json");
		expect(client.pongs).toBe(0);
	});
});
