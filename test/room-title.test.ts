import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../protocol";
import { newRoom, TestClient } from "./ws-client";

describe("a room's display title", () => {
	it("lets the room's creator title it: one line for everyone, and the title in every later welcome", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		expect(ana.welcome.canSetTitle).toBe(true);
		expect(ana.welcome.title).toBeUndefined();
		const bruno = await TestClient.join(room, "Bruno");
		expect(bruno.welcome.canSetTitle).toBeUndefined();

		ana.client.send({ type: "title", id: "t1", text: "  Weekend hike " });
		const ack = await ana.client.waitFor("ack", (m) => m.id === "t1");
		const line = await bruno.client.message("Weekend hike");
		expect(line).toMatchObject({ kind: "title", name: "Ana", text: "Weekend hike", seq: ack.seq });

		const carla = await TestClient.join(room, "Carla");
		expect(carla.welcome.title).toBe("Weekend hike");
		expect(carla.welcome.room).toBe(room);
	});

	it("refuses a title from anyone but the creator, and in the lobby from everyone", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		const bruno = await TestClient.join(room, "Bruno");
		bruno.client.send({ type: "title", id: "mine", text: "Bruno's room" });
		expect(await bruno.client.error("not_creator")).toMatchObject({ id: "mine" });

		const lobby = await TestClient.join("lobby", `Ana ${crypto.randomUUID().slice(0, 8)}`);
		expect(lobby.welcome.canSetTitle).toBeUndefined();
		lobby.client.send({ type: "title", id: "t", text: "My lobby" });
		await lobby.client.error("not_creator");

		ana.client.send({ type: "send", id: "marker", text: "marker" });
		await bruno.client.message("marker");
		expect(bruno.client.lines().filter((l) => l.kind === "title")).toEqual([]);
	});

	it("refuses an empty, too long or hiding title with invalid_title", async () => {
		const { client } = await TestClient.join(newRoom(), "Ana");
		for (const [id, text] of [
			["empty", "   "],
			["long", "t".repeat(LIMITS.titleMax + 1)],
			["hidden", "Team\u202Emoor"],
		] as const) {
			client.send({ type: "title", id, text });
			expect(await client.waitFor("error", (m) => m.id === id)).toMatchObject({ code: "invalid_title" });
		}
	});

	it("stores a retried title once, and gives it once to a client that was away", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		const bruno = await TestClient.join(room, "Bruno");
		const since = bruno.welcome.seq;
		bruno.client.close();
		await bruno.client.closed;

		ana.client.send({ type: "title", id: "again", text: "Book club" });
		ana.client.send({ type: "title", id: "again", text: "Book club" });
		ana.client.send({ type: "send", id: "marker", text: "marker" });
		await ana.client.waitFor("ack", (m) => m.id === "marker");
		const acks = ana.client.received.filter((m) => m.type === "ack" && m.id === "again");
		expect(acks).toHaveLength(2);
		expect(new Set(acks.map((a) => (a.type === "ack" ? a.seq : 0))).size).toBe(1);

		const back = await TestClient.join(room, "Bruno", { user: bruno.user, since });
		expect(back.welcome.reset).toBe(false);
		expect(back.welcome.messages.filter((m) => m.kind === "title").map((m) => m.text)).toEqual(["Book club"]);
		expect(back.welcome.title).toBe("Book club");
	});

	it("remembers its creator across reconnects and eviction, and lets them change the title", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		ana.client.close();
		await ana.client.closed;
		await evictDurableObject(env.CHAT_ROOM.getByName(room));

		const again = await TestClient.join(room, "Ana", { user: ana.user });
		expect(again.welcome.canSetTitle).toBe(true);
		again.client.send({ type: "title", id: "1", text: "First try" });
		again.client.send({ type: "title", id: "2", text: "Second try" });
		await again.client.message("Second try");
		const later = await TestClient.join(room, "Bruno");
		expect(later.welcome.title).toBe("Second try");
	});

	it("gives a page older than version 4 each title line as a join line of its setter, saying what happened", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		const { client: old } = await TestClient.join(room, "Old", { user: "user-old-page", version: 3 });

		ana.client.send({ type: "title", id: "t", text: "Hike" });
		const seen = await old.message("Ana named the room “Hike”");
		expect(seen).toMatchObject({ kind: "join", name: "Ana" });
		expect((await ana.client.message("Hike")).kind).toBe("title");

		// The same from the history endpoint, which says its version like the socket.
		const page = async (v: string) => {
			const r = await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?before=100${v}`);
			return ((await r.json()) as { messages: { kind: string; seq: number }[] }).messages.find(
				(m) => m.seq === seen.seq,
			);
		};
		expect((await page(""))?.kind).toBe("join");
		expect((await page("&v=4"))?.kind).toBe("title");
	});
});
