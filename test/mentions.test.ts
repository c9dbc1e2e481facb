import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ChatMessage, PROTOCOL_VERSION } from "../protocol";
import { roomConfig } from "../worker/config";
import { findMentions } from "../worker/room/mentions";
import { elapse, newAddress, newRoom, TestClient } from "./ws-client";

/** Joins with the protocol version a page of that version would say. */
async function joinAtVersion(room: string, name: string, version: number) {
	const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/websocket?v=${version}`, {
		headers: { Upgrade: "websocket", "CF-Connecting-IP": newAddress() },
	});
	if (!res.webSocket) throw new Error(`No WebSocket: ${res.status}`);
	const client = TestClient.from(res.webSocket);
	client.send({ type: "join", name, user: `user-${crypto.randomUUID()}` });
	await client.waitFor("welcome");
	return client;
}

describe("finding mentions the way the room compares names", () => {
	const names = (...list: string[]) => new Map(list.map((n) => [n.normalize("NFKC").toLowerCase(), n]));

	it("matches @Name ignoring case and after NFKC, and answers with the name as the room knows it", () => {
		const known = names("Ana", "Bruno");
		expect(findMentions("hi @ana and @BRUNO!", known)).toEqual(["Ana", "Bruno"]);
		// Full-width letters are the same name after NFKC.
		expect(findMentions("@ＡＮＡ look", known)).toEqual(["Ana"]);
	});

	it("matches names with spaces, preferring the longest, and only at a word's end", () => {
		const known = names("Ada", "Ada Lovelace", "Bo");
		expect(findMentions("@Ada Lovelace, see this", known)).toEqual(["Ada Lovelace"]);
		expect(findMentions("@Ada, see this", known)).toEqual(["Ada"]);
		expect(findMentions("@Bob is not Bo", known)).toEqual([]);
		expect(findMentions("mail ana@example.com", names("example.com"))).toEqual([]);
	});

	it("lists each person once, and nobody for an unknown name", () => {
		expect(findMentions("@Ana @ana @Zed", names("Ana"))).toEqual(["Ana"]);
		expect(findMentions("no mentions here", names("Ana"))).toEqual([]);
	});
});

describe("mentions in a room", () => {
	it("sends the mentioned names with the message, matched against the room's members", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		bruno.send({ type: "send", id: "m1", text: "@ANA and @carla, look" });
		const seen = await Promise.all([ana, bruno].map((c) => c.message("@ANA and @carla, look")));
		for (const m of seen) expect(m.mentions).toEqual(["Ana"]);

		bruno.send({ type: "send", id: "m2", text: "nobody named" });
		expect((await ana.message("nobody named")).mentions).toBeUndefined();
	});

	it("still finds someone who has left the chat: names seen recently count", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		ana.close();
		await ana.closed;
		// The grace period passes through the room's alarm, never by waiting.
		await elapse(room, roomConfig(env).leaveGraceMs);
		await bruno.message("Ana left the chat");
		bruno.send({ type: "send", id: "m1", text: "@Ana are you there?" });
		expect((await bruno.message("@Ana are you there?")).mentions).toEqual(["Ana"]);
	});

	it("keeps the mentions in history: a newcomer's page carries them", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		ana.send({ type: "send", id: "m1", text: "note to self @Ana" });
		await ana.message("note to self @Ana");
		const { welcome } = await TestClient.join(room, "Bruno");
		const line = welcome.messages.find((m: ChatMessage) => m.text === "note to self @Ana");
		expect(line?.mentions).toEqual(["Ana"]);
		const page = (await (
			await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?v=${PROTOCOL_VERSION}`)
		).json()) as { messages: ChatMessage[] };
		expect(page.messages.find((m) => m.text === "note to self @Ana")?.mentions).toEqual(["Ana"]);
	});

	it("never sends the new field to a page of an older protocol version", async () => {
		const room = newRoom();
		const old = await joinAtVersion(room, "Old", PROTOCOL_VERSION - 1);
		const current = await joinAtVersion(room, "New", PROTOCOL_VERSION);
		current.send({ type: "send", id: "m1", text: "hello @Old" });
		expect((await current.message("hello @Old")).mentions).toEqual(["Old"]);
		const seenByOld = await old.message("hello @Old");
		expect(seenByOld).not.toHaveProperty("mentions");
		const page = (await (await exports.default.fetch(`http://example.com/api/rooms/${room}/messages`)).json()) as {
			messages: ChatMessage[];
		};
		expect(page.messages.find((m) => m.text === "hello @Old")).not.toHaveProperty("mentions");
	});
});
