/**
 * A socket that does not join within 10 s is closed (4408, with a reason),
 * on the room's one alarm. A room whose sockets have all joined has no alarm
 * for this, so a hibernated room of joined sockets costs nothing.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { roomConfig } from "../worker/config";
import { TestClient } from "./ws-client";

const newRoom = () => `room-${crypto.randomUUID()}`;
const { joinWithinMs } = roomConfig(env);

const alarmOf = (room: string) =>
	runInDurableObject(env.CHAT_ROOM.getByName(room), (_instance, state) => state.storage.getAlarm());

/**
 * Time passes for the sockets that have not joined: their deadline, kept in
 * their attachment, moves into the past as 10 s would move it. The room is
 * then evicted so that it reads the attachments afresh, as after hibernation.
 */
async function deadlinePasses(room: string): Promise<void> {
	const stub = env.CHAT_ROOM.getByName(room);
	await runInDurableObject(stub, (_instance, state) => {
		for (const ws of state.getWebSockets()) {
			const session = ws.deserializeAttachment() as { joined?: unknown; joinBy?: number };
			if (!session.joined) ws.serializeAttachment({ ...session, joinBy: Date.now() - 1 });
		}
	});
	await evictDurableObject(stub);
}

describe("sockets that never join", () => {
	it("are given 10 s by default, and a var changes it", () => {
		expect(joinWithinMs).toBe(10_000);
		expect(roomConfig({ ...env, JOIN_WITHIN_MS: "60000" }).joinWithinMs).toBe(60_000);
		expect(roomConfig({ ...env, JOIN_WITHIN_MS: "soon" }).joinWithinMs).toBe(10_000);
	});

	it("are closed with 4408 and a reason once 10 s pass without a join, and no one else is touched", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const opened = Date.now();
		const idle = await TestClient.open(room);
		const alarm = await alarmOf(room);
		expect(alarm).not.toBeNull();
		// The runtime's clock moves only between events, so allow it a little either way.
		expect(alarm).toBeGreaterThan(opened + joinWithinMs - 1000);
		expect(alarm).toBeLessThan(Date.now() + joinWithinMs + 1000);

		await deadlinePasses(room);
		expect(await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room))).toBe(true);
		expect(await idle.closed).toMatchObject({ code: 4408, reason: "No join within 10 seconds" });

		ana.send({ type: "send", id: "still", text: "still here" });
		await ana.message("still here");
		expect(ana.ws.readyState).toBe(WebSocket.OPEN);
		// Nobody is left waiting to join: no alarm keeps the room awake.
		expect(await alarmOf(room)).toBeNull();
	});

	it("leaves a socket that joined in time open, and sets no alarm for it", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		await deadlinePasses(room);
		await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room));
		expect(await alarmOf(room)).toBeNull();
		ana.send({ type: "send", id: "1", text: "joined in time" });
		await ana.message("joined in time");
	});

	it("leaves a socket open while its 10 s run, and keeps the alarm for it", async () => {
		const room = newRoom();
		const waiting = await TestClient.open(room);
		const alarm = await alarmOf(room);
		expect(await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room))).toBe(true);
		// Fired early (as a test can make it): the deadline has not passed, so the socket stays and the alarm is set again.
		expect(await alarmOf(room)).toBe(alarm);
		waiting.send({ type: "join", name: "Late but in time", user: "late-device-1" });
		await waiting.waitFor("welcome");
	});

	it("take their alarm with them when they close before their time runs out", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const passing = await TestClient.open(room);
		expect(await alarmOf(room)).not.toBeNull();
		passing.close();
		await passing.closed;
		// A message after the close: the room has handled the close by the time Ana hears it.
		ana.send({ type: "send", id: "after", text: "after the close" });
		await ana.message("after the close");
		expect(await alarmOf(room)).toBeNull();
	});

	it("are closed all the same after a refused name: a refused join is not a join", async () => {
		const room = newRoom();
		await TestClient.join(room, "Ana");
		const other = await TestClient.open(room);
		other.send({ type: "join", name: "Ana", user: "other-device-1" });
		await other.error("name_taken");
		await deadlinePasses(room);
		await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room));
		expect((await other.closed).code).toBe(4408);
	});
});
