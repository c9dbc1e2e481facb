import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	ATTENTION_VERSION,
	CHANGES_VERSION,
	type Change,
	type ChatMessage,
	isChange,
	type Line,
	nameKey,
	PROTOCOL_VERSION,
	type ServerMessage,
} from "../protocol";
import { roomConfig } from "../worker/config";
import { findMentions } from "../worker/room/mentions";
import { TITLE_VERSION } from "../worker/room/room-title";
import { elapse, linesOf, newRoom, TestClient } from "./ws-client";

describe("finding mentions the way the room compares names", () => {
	// Keyed by the room's own key function, as its names table is (mention-every-name.test.ts goes through the room itself).
	const names = (...list: string[]) => new Map(list.map((n) => [nameKey(n), n]));

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
		const line = welcome.messages.find((m): m is ChatMessage => !isChange(m) && m.text === "note to self @Ana");
		expect(line?.mentions).toEqual(["Ana"]);
		const page = (await (
			await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?v=${PROTOCOL_VERSION}`)
		).json()) as { messages: ChatMessage[] };
		expect(page.messages.find((m) => m.text === "note to self @Ana")?.mentions).toEqual(["Ana"]);
	});

	// 6 knows moderation, not mentions; 5 changes, not moderation; 4 titles, not changes; 3 not even titles.
	it.each([ATTENTION_VERSION - 1, CHANGES_VERSION, TITLE_VERSION, TITLE_VERSION - 1])(
		"never sends the new field to a page of protocol version %i, in a message, an edit, a resume or a page",
		async (version) => {
			const room = newRoom();
			const old = (await TestClient.join(room, "Old", { version })).client;
			const current = (await TestClient.join(room, "New", { version: PROTOCOL_VERSION })).client;
			current.send({ type: "send", id: "m1", text: "hello @Old" });
			const line = await current.message("hello @Old");
			expect(line.mentions).toEqual(["Old"]);
			expect(await old.message("hello @Old")).not.toHaveProperty("mentions");
			current.send({ type: "edit", id: "e1", seq: line.seq, text: "hello again @Old" });
			const edit = await current.waitForLine((l): l is Change => isChange(l) && l.kind === "edit");
			expect(edit.mentions).toEqual(["Old"]);
			// A page before changes gets the message again as it is now; one after gets the edit line.
			const edited = await old.waitForLine(
				(l): l is Line => l.seq === edit.seq || (!isChange(l) && l.text === "hello again @Old"),
			);
			expect(edited).not.toHaveProperty("mentions");
			const resumed = (await TestClient.join(room, "Later", { version, since: 0 })).client;
			const welcome = resumed.received.find((f) => f.type === "welcome");
			expect(welcome?.type === "welcome" && welcome.messages.some((l) => l.seq === line.seq)).toBe(true);
			expect(JSON.stringify(welcome)).not.toContain('"mentions"');
			const page = await (
				await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?v=${version}`)
			).text();
			expect(page).toContain("hello again @Old");
			expect(page).not.toContain('"mentions"');
		},
	);
});

describe("mentions and changes to messages", () => {
	async function roomOf(...names: string[]) {
		const room = newRoom();
		const clients = [];
		for (const name of names) clients.push((await TestClient.join(room, name)).client);
		return { room, clients };
	}
	const changeTo = (client: TestClient, kind: Change["kind"], target: number) =>
		client.waitForLine((l): l is Change => isChange(l) && l.kind === kind && l.target === target);
	const page = async (room: string) =>
		(
			(await (
				await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?v=${PROTOCOL_VERSION}`)
			).json()) as { messages: ChatMessage[] }
		).messages;

	it("finds an edited message's mentions again: the edit line carries the new list, and the message keeps it", async () => {
		const { room, clients } = await roomOf("Ana", "Bruno", "Carla");
		const [ana, bruno] = clients as [TestClient, TestClient];
		ana.send({ type: "send", id: "m1", text: "ask @Bruno" });
		const line = await bruno.message("ask @Bruno");
		expect(line.mentions).toEqual(["Bruno"]);

		ana.send({ type: "edit", id: "e1", seq: line.seq, text: "ask @Carla instead" });
		expect((await changeTo(bruno, "edit", line.seq)).mentions).toEqual(["Carla"]);
		expect((await page(room)).find((m) => m.seq === line.seq)?.mentions).toEqual(["Carla"]);

		ana.send({ type: "edit", id: "e2", seq: line.seq, text: "never mind" });
		const edit = await bruno.waitForLine(
			(l): l is Change => isChange(l) && l.kind === "edit" && l.text === "never mind",
		);
		expect(edit).not.toHaveProperty("mentions");
		expect((await page(room)).find((m) => m.seq === line.seq)).not.toHaveProperty("mentions");
	});

	it("mentions no one by replying or reacting: a reply names only whom its own text names", async () => {
		const { room, clients } = await roomOf("Ana", "Bruno", "Carla");
		const [ana, bruno, carla] = clients as [TestClient, TestClient, TestClient];
		ana.send({ type: "send", id: "m1", text: "@Bruno can you?" });
		const original = await carla.message("@Bruno can you?");

		carla.send({ type: "send", id: "r1", text: "me too", replyTo: original.seq });
		const reply = await ana.message("me too");
		// It quotes a text that names Bruno, and answers Ana: neither is a mention.
		expect(reply.replyTo).toMatchObject({ name: "Ana", text: "@Bruno can you?" });
		expect(reply).not.toHaveProperty("mentions");
		carla.send({ type: "send", id: "r2", text: "@Ana yes", replyTo: original.seq });
		expect((await ana.message("@Ana yes")).mentions).toEqual(["Ana"]);

		bruno.send({ type: "react", id: "x1", seq: original.seq, emoji: "👍", on: true });
		const react = await ana.waitForLine((l): l is Change => isChange(l) && l.kind === "react");
		expect(react).not.toHaveProperty("mentions");
		expect((await page(room)).find((m) => m.seq === original.seq)?.mentions).toEqual(["Bruno"]);
	});

	it("forgets whom a deleted message mentioned, in storage and in every line about it", async () => {
		const { room, clients } = await roomOf("Ana", "Bruno");
		const [ana, bruno] = clients as [TestClient, TestClient];
		ana.send({ type: "send", id: "m1", text: "psst @Bruno" });
		const line = await bruno.message("psst @Bruno");
		ana.send({ type: "delete", id: "d1", seq: line.seq });
		const deleted = await changeTo(bruno, "delete", line.seq);
		expect(deleted).not.toHaveProperty("mentions");
		const stored = (await page(room)).find((m) => m.seq === line.seq);
		expect(stored).toMatchObject({ deleted: "sender", text: "" });
		expect(stored).not.toHaveProperty("mentions");
		// A newcomer resuming from before it sees no mention either.
		const later = (await TestClient.join(room, "Later", { version: PROTOCOL_VERSION, since: 0 })).client;
		const lines: Line[] = later.received.flatMap((f: ServerMessage) =>
			f.type === "welcome" ? f.messages : linesOf(f),
		);
		expect(lines.find((l) => l.seq === line.seq)).not.toHaveProperty("mentions");
	});
});
