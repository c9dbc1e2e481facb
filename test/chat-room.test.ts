import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newRoom, TestClient } from "./ws-client";

describe("a ChatRoom with several sockets", () => {
	it("announces each arrival to everyone, the newcomer included", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const anaJoined = await ana.message("Ana joined the chat");
		expect(anaJoined).toMatchObject({ kind: "join", name: "Ana" });

		const { client: bruno } = await TestClient.join(room, "Bruno");
		const { client: carla } = await TestClient.join(room, "Carla");
		for (const c of [ana, bruno, carla]) await c.message("Carla joined the chat");
		await ana.message("Bruno joined the chat");
		await bruno.message("Bruno joined the chat");
	});

	it("broadcasts a message to every socket with the sender's name, id and time set by the server", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		const { client: carla } = await TestClient.join(room, "Carla");
		const before = Date.now();

		bruno.send({ type: "send", id: "b-1", text: "  hello room  " });
		const seen = await Promise.all([ana, bruno, carla].map((c) => c.message("hello room")));
		for (const m of seen) {
			expect(m).toMatchObject({ kind: "chat", name: "Bruno", text: "hello room" });
			expect(m.id).toMatch(/^[0-9a-f-]{36}$/);
			expect(m.at).toBeGreaterThanOrEqual(before - 1000);
		}
		expect(new Set(seen.map((m) => m.id)).size).toBe(1);
		expect(await bruno.waitFor("ack", (a) => a.id === "b-1")).toMatchObject({ seq: seen[0]?.seq });
	});

	it("never lets a client choose the sender: extra fields are refused, not rebroadcast", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: mallory } = await TestClient.join(room, "Mallory");
		mallory.sendRaw(JSON.stringify({ type: "send", id: "x", text: "I am Ana", name: "Ana" }));
		expect(await mallory.error("invalid_frame")).toMatchObject({ reason: 'Unknown field "name"', id: "x" });
		mallory.send({ type: "send", id: "y", text: "honest" });
		expect(await ana.message("honest")).toMatchObject({ name: "Mallory" });
		expect(ana.texts()).not.toContain("I am Ana");
	});

	it("keeps rooms apart", async () => {
		const [roomA, roomB] = [newRoom(), newRoom()];
		const { client: a } = await TestClient.join(roomA, "Ana");
		const { client: b } = await TestClient.join(roomB, "Bruno");
		a.send({ type: "send", id: "a-1", text: "only for room A" });
		b.send({ type: "send", id: "b-1", text: "only for room B" });
		await a.message("only for room A");
		await b.message("only for room B");
		// Each says one more thing after the other room's line was out: had the rooms been one, it came before.
		a.send({ type: "send", id: "a-2", text: "room A again" });
		b.send({ type: "send", id: "b-2", text: "room B again" });
		await a.message("room A again");
		await b.message("room B again");
		expect(a.texts()).not.toContain("only for room B");
		expect(b.texts()).not.toContain("only for room A");
		expect(a.texts()).not.toContain("Bruno joined the chat");
	});

	it("answers a bad frame with an error and keeps the socket working", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		ana.sendRaw("this is not json");
		expect(await ana.error("bad_json")).toMatchObject({ reason: "Frame is not valid JSON" });
		ana.sendRaw(JSON.stringify({ type: "nope" }));
		await ana.error("unknown_type");
		ana.send({ type: "send", id: "long", text: "x".repeat(2001) });
		expect(await ana.error("invalid_message")).toMatchObject({ id: "long" });

		ana.send({ type: "send", id: "ok", text: "still here" });
		await bruno.message("still here");
		expect(bruno.received.filter((m) => m.type === "error")).toEqual([]);
	});

	it("refuses anything but join before joining", async () => {
		const client = await TestClient.open(newRoom());
		client.send({ type: "send", id: "early", text: "hi" });
		await client.error("not_joined");
		client.send({ type: "join", name: "Late", user: "user-late-1" });
		await client.waitFor("welcome");
	});

	it("keeps sessions through eviction (hibernation): names stay and messages flow", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		ana.send({ type: "send", id: "1", text: "before eviction" });
		await bruno.message("before eviction");

		await evictDurableObject(env.CHAT_ROOM.getByName(room));

		ana.send({ type: "send", id: "2", text: "after eviction" });
		expect(await bruno.message("after eviction")).toMatchObject({ name: "Ana" });
		bruno.send({ type: "send", id: "3", text: "reply after eviction" });
		const reply = await ana.message("reply after eviction");
		expect(reply).toMatchObject({ name: "Bruno" });
		const texts = ana.lines();
		// Sequence numbers continue where they were: nothing reset in storage.
		expect(texts.map((m) => m.seq)).toEqual(texts.map((_, i) => (texts[0]?.seq ?? 0) + i));
	});
});
