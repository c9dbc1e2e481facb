import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ChatMessage, Line } from "../protocol";
import { roomConfig } from "../worker/config";
import { MessageStore } from "../worker/store/messages";
import { migrate } from "../worker/store/schema";
import { elapse, newRoom, TestClient } from "./ws-client";

/** Stores `count` chat messages straight into the room's storage, then restarts the room so it reads them. */
async function fill(room: string, count: number, prefix = "m") {
	const stub = env.CHAT_ROOM.getByName(room);
	await runInDurableObject(stub, (_instance, state) => {
		migrate(state.storage.sql);
		const store = new MessageStore(state.storage.sql, 10_000);
		for (let i = 1; i <= count; i++) store.append("chat", "Filler", `${prefix} ${i}`);
	});
	await evictDurableObject(stub);
}

async function page(room: string, query: string) {
	const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?${query}`);
	expect(res.status).toBe(200);
	return (await res.json()) as { messages: ChatMessage[]; hasMore: boolean };
}

const chat = (lines: Line[]) => lines.flatMap((m) => (m.kind === "chat" ? [m.text] : []));

describe("delivery guarantees", () => {
	it("stores and broadcasts a retried send once, and acknowledges both tries with the same seq", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		ana.send({ type: "send", id: "retry-me", text: "only once" });
		ana.send({ type: "send", id: "retry-me", text: "only once" });
		ana.send({ type: "send", id: "marker", text: "marker" });
		await bruno.message("marker");
		expect(bruno.texts().filter((t) => t === "only once")).toHaveLength(1);
		const acks = ana.received.filter((m) => m.type === "ack" && m.id === "retry-me");
		expect(acks).toHaveLength(2);
		expect(new Set(acks.map((a) => (a.type === "ack" ? a.seq : 0))).size).toBe(1);
	});

	it("keeps one user's message ids apart from another's", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		ana.send({ type: "send", id: "1", text: "Ana's first" });
		await bruno.message("Ana's first");
		bruno.send({ type: "send", id: "1", text: "Bruno's first" });
		expect(await ana.message("Bruno's first")).toMatchObject({ name: "Bruno" });
	});

	it("delivers every line to every client in sequence order", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		for (let i = 0; i < 10; i++) {
			ana.send({ type: "send", id: `a${i}`, text: `a${i}` });
			bruno.send({ type: "send", id: `b${i}`, text: `b${i}` });
		}
		for (const c of [ana, bruno]) {
			await c.message("a9");
			await c.message("b9");
		}
		const seqs = (c: TestClient) => c.lines().map((m) => m.seq);
		for (const c of [ana, bruno]) {
			const s = seqs(c);
			expect(s).toEqual([...s].sort((x, y) => x - y));
			expect(new Set(s).size).toBe(s.length);
		}
		expect(seqs(ana).slice(-20)).toEqual(seqs(bruno).slice(-20));
	});

	it("sends a reconnecting client exactly what it missed since its last seq", async () => {
		const room = newRoom();
		const { client: ana, user } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		bruno.send({ type: "send", id: "seen", text: "seen before the drop" });
		const seen = await ana.message("seen before the drop");
		ana.close();
		await ana.closed;

		for (const text of ["missed 1", "missed 2", "missed 3"])
			bruno.send({ type: "send", id: text.replace(" ", "-"), text });
		await bruno.message("missed 3");

		const back = await TestClient.join(room, "Ana", { user, since: seen.seq });
		expect(back.welcome.reset).toBe(false);
		expect(back.welcome.messages.map((m) => m.seq)).toEqual([seen.seq + 1, seen.seq + 2, seen.seq + 3]);
		expect(chat(back.welcome.messages)).toEqual(["missed 1", "missed 2", "missed 3"]);
		// Back within the grace period: no leave, no second join, even once the grace period has run out.
		await elapse(room, roomConfig(env).leaveGraceMs);
		back.client.send({ type: "send", id: "back", text: "I'm back" });
		await bruno.message("I'm back");
		expect(bruno.texts()).not.toContain("Ana left the chat");
		expect(bruno.texts()).not.toContain("Ana joined the chat");
	});

	it("starts a client from the newest page when its seq is unknown to the room", async () => {
		const room = newRoom();
		await fill(room, 3);
		const { welcome } = await TestClient.join(room, "Ana", { since: 999 });
		expect(welcome.reset).toBe(true);
		expect(chat(welcome.messages)).toEqual(["m 1", "m 2", "m 3"]);
	});

	it("answers a sync (a client that saw a gap) with the messages after its seq", async () => {
		const room = newRoom();
		const { client: ana, welcome } = await TestClient.join(room, "Ana");
		ana.send({ type: "send", id: "1", text: "one" });
		ana.send({ type: "send", id: "2", text: "two" });
		await ana.message("two");
		ana.send({ type: "sync", since: welcome.seq });
		const history = await ana.waitFor("history");
		expect(history.messages.map((m) => m.text)).toEqual(["Ana joined the chat", "one", "two"]);
	});

	it("keeps the conversation going when the room is evicted mid-conversation, with retries still deduplicated", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		ana.send({ type: "send", id: "x1", text: "first" });
		const ack = await ana.waitFor("ack", (a) => a.id === "x1");
		await evictDurableObject(env.CHAT_ROOM.getByName(room));
		ana.send({ type: "send", id: "x1", text: "first" });
		const again = await ana.waitFor("ack", (a) => a.id === "x1" && a !== ack);
		expect(again.seq).toBe(ack.seq);
		ana.send({ type: "send", id: "x2", text: "second" });
		const second = await bruno.message("second");
		expect(second.seq).toBe(ack.seq + 1);
		expect(bruno.texts().filter((t) => t === "first")).toHaveLength(1);
	});
});

describe("history", () => {
	it("shows the newest 50 lines on joining and pages older ones, capped at 100 a page", async () => {
		const room = newRoom();
		await fill(room, 180);
		const { welcome } = await TestClient.join(room, "Reader");
		expect(welcome.messages).toHaveLength(50);
		expect(welcome.hasMore).toBe(true);
		expect(welcome.messages.at(-1)?.text).toBe("m 180");
		const first = welcome.messages[0]?.seq ?? 0;

		const older = await page(room, `before=${first}&limit=50`);
		expect(older.messages).toHaveLength(50);
		expect(older.messages.at(-1)?.seq).toBe(first - 1);
		expect(older.hasMore).toBe(true);

		const capped = await page(room, `before=${first}&limit=500`);
		expect(capped.messages).toHaveLength(100);

		const rest = await page(room, `before=${older.messages[0]?.seq}&limit=100`);
		expect(rest.hasMore).toBe(false);
		expect(rest.messages[0]?.text).toBe("m 1");
		const all = [...rest.messages, ...older.messages, ...welcome.messages];
		expect(all.map((m) => m.seq)).toEqual(all.map((_, i) => i + 1));
	});

	it("reads an empty room without creating its storage: the room writes no table", async () => {
		const room = newRoom();
		expect(await page(room, "limit=100")).toEqual({ messages: [], hasMore: false });
		expect(await page(room, "before=5&limit=10")).toEqual({ messages: [], hasMore: false });
		const tables = await runInDurableObject(env.CHAT_ROOM.getByName(room), (_instance, state) =>
			state.storage.sql
				.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
				.toArray()
				.map((r) => r.name),
		);
		expect(tables).toEqual([]);
		// The first join creates it.
		const { client } = await TestClient.join(room, "Ana");
		expect(await client.message("Ana joined the chat")).toMatchObject({ seq: 1 });
	});

	it("refuses a malformed history query with 400", async () => {
		for (const query of ["before=abc", "before=0", "limit=-1", "limit=1.5"]) {
			const res = await exports.default.fetch(`http://example.com/api/rooms/lobby/messages?${query}`);
			expect(res.status, query).toBe(400);
		}
	});

	it("keeps only the newest N messages, trimming in batches as new ones arrive", async () => {
		const stub = env.CHAT_ROOM.getByName(newRoom());
		const { count, first, newest } = await runInDurableObject(stub, (_instance, state) => {
			migrate(state.storage.sql);
			const store = new MessageStore(state.storage.sql, 10);
			for (let i = 1; i <= 300; i++) store.append("chat", "Ana", `n${i}`);
			return { count: store.count(), first: store.firstSeq(), newest: store.before(Infinity, 3) };
		});
		expect(count).toBe(10);
		expect(first).toBe(291);
		expect(newest.map((m) => m.text)).toEqual(["n298", "n299", "n300"]);
	});

	it("keeps seq and time increasing after the object restarts from storage", async () => {
		const stub = env.CHAT_ROOM.getByName(newRoom());
		const before = await runInDurableObject(stub, (_i, state) => {
			migrate(state.storage.sql);
			return new MessageStore(state.storage.sql, 100).append("chat", "A", "x");
		});
		await evictDurableObject(stub);
		const after = await runInDurableObject(stub, (_i, state) =>
			new MessageStore(state.storage.sql, 100).append("chat", "A", "y"),
		);
		expect(after.seq).toBe(before.seq + 1);
		expect(after.at).toBeGreaterThanOrEqual(before.at);
	});
});
