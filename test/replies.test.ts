/**
 * Replies: a message may answer another. The room stores only a pointer and
 * quotes the original (sender and the start of its text) as it is now, so a
 * deleted or trimmed original is quoted as unavailable; history can be read
 * around a message, for a client jumping to an original it does not hold.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ChatMessage, isChange, LIMITS } from "../protocol";
import { MessageStore } from "../worker/store/messages";
import { migrate } from "../worker/store/schema";
import { newRoom, TestClient } from "./ws-client";

async function around(room: string, query: string) {
	const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?${query}`);
	return { status: res.status, body: (await res.json()) as { messages: ChatMessage[]; hasMore: boolean } };
}

describe("replies", () => {
	it("carries a quote of the original, its sender and the start of its text, to everyone", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		const bruno = await TestClient.join(room, "Bruno");
		const long = `Who is bringing ${"a very long list of snacks, ".repeat(10)}?`;
		ana.client.send({ type: "send", id: "q", text: long });
		const original = await bruno.client.message(long);
		bruno.client.send({ type: "send", id: "a", text: "I am", replyTo: original.seq });
		const reply = await ana.client.message("I am");
		expect(reply.replyTo).toEqual({ seq: original.seq, name: "Ana", text: long.slice(0, LIMITS.quoteMax) });
		const { messages } = await env.CHAT_ROOM.getByName(room).history(Number.MAX_SAFE_INTEGER, 50);
		expect(messages.find((m) => m.seq === reply.seq)?.replyTo).toEqual(reply.replyTo);
	});

	it("quotes the original as it is now: edited, then deleted (unavailable)", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		ana.client.send({ type: "send", id: "q", text: "meet at 5" });
		const original = await ana.client.message("meet at 5");
		ana.client.send({ type: "send", id: "a", text: "ok", replyTo: original.seq });
		const reply = await ana.client.message("ok");
		ana.client.send({ type: "edit", id: "e", seq: original.seq, text: "meet at 6" });
		await ana.client.waitFor("ack", (a) => a.id === "e");
		const stub = env.CHAT_ROOM.getByName(room);
		const quoteOf = async () =>
			(await stub.history(Number.MAX_SAFE_INTEGER, 50)).messages.find((m) => m.seq === reply.seq)?.replyTo;
		expect(await quoteOf()).toEqual({ seq: original.seq, name: "Ana", text: "meet at 6" });
		ana.client.send({ type: "delete", id: "d", seq: original.seq });
		await ana.client.waitFor("ack", (a) => a.id === "d");
		expect(await quoteOf()).toEqual({ seq: original.seq });
	});

	it("quotes a trimmed original as unavailable", async () => {
		const stub = env.CHAT_ROOM.getByName(newRoom());
		const quote = await runInDurableObject(stub, (_i, state) => {
			migrate(state.storage.sql);
			const store = new MessageStore(state.storage.sql, 100);
			const original = store.append("chat", "Ana", "soon trimmed", { device: "ana-device" });
			for (let i = 0; i < 150; i++) store.append("chat", "Ana", `filler ${i}`);
			const reply = store.append("chat", "Bruno", "noted", { device: "b-device", replyTo: original.seq });
			store.trim();
			return store.before(Number.MAX_SAFE_INTEGER, 200).find((m) => m.seq === reply.seq)?.replyTo;
		});
		expect(quote).toEqual({ seq: 1 });
	});

	it("refuses a reply to a message that is not there, with the send's id", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		ana.client.send({ type: "send", id: "r", text: "to nothing", replyTo: 999 });
		expect(await ana.client.waitFor("error", (e) => e.id === "r")).toMatchObject({ code: "unknown_message" });
		ana.client.send({ type: "send", id: "r2", text: "to a join line", replyTo: ana.welcome.seq });
		expect(await ana.client.waitFor("error", (e) => e.id === "r2")).toMatchObject({ code: "unknown_message" });
	});
});

describe("history around a message", () => {
	it("answers ?around=<seq> with the lines before and after it, the message in the middle", async () => {
		const room = newRoom();
		const stub = env.CHAT_ROOM.getByName(room);
		await runInDurableObject(stub, (_i, state) => {
			migrate(state.storage.sql);
			const store = new MessageStore(state.storage.sql, 10_000);
			for (let i = 1; i <= 400; i++) store.append("chat", "Filler", `m ${i}`);
		});
		// Restarted, so that the room reads the storage filled behind its back.
		await evictDurableObject(stub);
		const { status, body } = await around(room, "around=100&limit=20");
		expect(status).toBe(200);
		expect(body.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 90 + i));
		expect(body.hasMore).toBe(true);
		const start = await around(room, "around=3&limit=20");
		expect(start.body.messages[0]?.seq).toBe(1);
		expect(start.body.hasMore).toBe(false);
		expect((await around(room, "around=100&limit=500")).body.messages).toHaveLength(LIMITS.pageMax);
	});

	it("skips change lines in pages: they are already in the messages' state", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		ana.client.send({ type: "send", id: "1", text: "one" });
		const one = await ana.client.message("one");
		for (let i = 0; i < 5; i++) ana.client.send({ type: "edit", id: `e${i}`, seq: one.seq, text: `one ${i}` });
		ana.client.send({ type: "send", id: "2", text: "two" });
		await ana.client.message("two");
		const { body } = await around(room, `around=${one.seq}&limit=4`);
		expect(body.messages.some(isChange)).toBe(false);
		expect(body.messages.map((m) => m.text)).toEqual(["Ana joined the chat", "one 4", "two"]);
	});

	it("refuses around together with before, or a malformed around, with 400", async () => {
		for (const query of ["around=abc", "around=0", "around=5&before=9"]) {
			expect((await around("lobby", query)).status, query).toBe(400);
		}
	});
});
