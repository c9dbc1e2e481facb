/**
 * Editing and deleting one's own messages: only the sender may, each change
 * is a line of the room's stream with its own seq (so an offline client gets
 * it on resume, once and in order), a retried change is applied once, and a
 * deleted message's text is gone from storage.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CHANGES_VERSION, type Change, type ChatMessage, isChange, type Line } from "../protocol";
import { roomConfig } from "../worker/config";
import { migrate } from "../worker/store/schema";
import { elapse, newRoom, rateLimited, TestClient, until } from "./ws-client";

/** Two people in a fresh room, Ana having said `text`. */
async function anaSaid(text: string) {
	const room = newRoom();
	const ana = await TestClient.join(room, "Ana");
	const bruno = await TestClient.join(room, "Bruno");
	ana.client.send({ type: "send", id: "said", text });
	const line = await bruno.client.message(text);
	return { room, ana, bruno, line };
}

/** Waits for the change line of `kind` to message `target`. */
function change(client: TestClient, kind: Change["kind"], target: number, where: (c: Change) => boolean = () => true) {
	return client.waitForLine((l): l is Change => isChange(l) && l.kind === kind && l.target === target && where(l));
}

/** Every row of every table of the room, as text: what storage holds. */
async function everythingStored(room: string): Promise<string> {
	return runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) => {
		const sql = state.storage.sql;
		const tables = sql
			.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'")
			.toArray();
		return tables.map((t) => JSON.stringify(sql.exec(`SELECT * FROM "${t.name}"`).toArray())).join("\n");
	});
}

describe("editing a message", () => {
	it("replaces the text for everyone, marked edited, as a change line with its own seq", async () => {
		const { ana, bruno, line } = await anaSaid("helo");
		ana.client.send({ type: "edit", id: "fix-1", seq: line.seq, text: "hello" });
		const ack = await ana.client.waitFor("ack", (a) => a.id === "fix-1");
		const seen = await change(bruno.client, "edit", line.seq);
		expect(seen).toMatchObject({ seq: ack.seq, kind: "edit", name: "Ana", target: line.seq, text: "hello" });
		expect(seen.seq).toBeGreaterThan(line.seq);
		await change(ana.client, "edit", line.seq);
	});

	it("follows the rules of a new message: the text is checked and cleaned the same way", async () => {
		const { ana, line } = await anaSaid("first");
		ana.client.send({ type: "edit", id: "e-empty", seq: line.seq, text: "  " });
		expect(await ana.client.waitFor("error", (e) => e.id === "e-empty")).toMatchObject({ code: "invalid_message" });
		ana.client.send({ type: "edit", id: "e-long", seq: line.seq, text: "x".repeat(2001) });
		expect(await ana.client.waitFor("error", (e) => e.id === "e-long")).toMatchObject({ code: "invalid_message" });
		ana.client.send({ type: "edit", id: "e-bidi", seq: line.seq, text: "\u202Eok\u0007 " });
		expect(await change(ana.client, "edit", line.seq)).toMatchObject({ text: "ok" });
	});

	it("refuses, with not_yours, an edit of someone else's message, and changes nothing", async () => {
		const { room, bruno, line } = await anaSaid("mine");
		bruno.client.send({ type: "edit", id: "steal", seq: line.seq, text: "Bruno's now" });
		const error = await bruno.client.waitFor("error", (e) => e.id === "steal");
		expect(error).toMatchObject({ code: "not_yours", reason: "Only its sender can edit a message" });
		bruno.client.send({ type: "send", id: "after", text: "after" });
		await bruno.client.message("after");
		expect(bruno.client.lines().filter(isChange)).toEqual([]);
		expect(await everythingStored(room)).not.toContain("Bruno's now");
	});

	it("knows the sender by device key, not by name: the same name on another device cannot edit", async () => {
		const { room, ana, bruno, line } = await anaSaid("original");
		ana.client.close();
		await ana.client.closed;
		// Ana's name is free again once she is announced as gone.
		await elapse(room, roomConfig(env).leaveGraceMs);
		await bruno.client.message("Ana left the chat");
		const impostor = await TestClient.join(room, "Ana");
		impostor.client.send({ type: "edit", id: "imp", seq: line.seq, text: "impostor" });
		expect(await impostor.client.waitFor("error", (e) => e.id === "imp")).toMatchObject({ code: "not_yours" });
		// …while Ana's device, under another name, still can.
		const back = await TestClient.join(room, "Ana again", ana.user);
		back.client.send({ type: "edit", id: "real", seq: line.seq, text: "edited by the sender" });
		expect(await change(bruno.client, "edit", line.seq)).toMatchObject({ text: "edited by the sender" });
	});

	it("applies a retried edit once and acknowledges both tries with the same seq", async () => {
		const { ana, bruno, line } = await anaSaid("v1");
		ana.client.send({ type: "edit", id: "twice", seq: line.seq, text: "v2" });
		ana.client.send({ type: "edit", id: "twice", seq: line.seq, text: "v2" });
		ana.client.send({ type: "send", id: "marker", text: "marker" });
		await bruno.client.message("marker");
		const acks = ana.client.received.filter((m) => m.type === "ack" && m.id === "twice");
		expect(acks).toHaveLength(2);
		expect(new Set(acks.map((a) => (a.type === "ack" ? a.seq : 0))).size).toBe(1);
		expect(bruno.client.lines().filter(isChange)).toHaveLength(1);
	});

	it("is rate limited like a send: edits beyond the connection's budget are refused, and only those let through change the text", async () => {
		const { ana, bruno, line } = await anaSaid("v0");
		const sent = roomConfig(env).connectionRate.burst + 5;
		for (let i = 1; i <= sent; i++) ana.client.send({ type: "edit", id: `e${i}`, seq: line.seq, text: `v${i}` });
		// Only the edits' acks: counting the ack of "said" too ended the wait with one edit still unanswered.
		const editAcks = () => ana.client.received.filter((m) => m.type === "ack" && m.id.startsWith("e")).length;
		await until(ana.client, () => editAcks() + rateLimited(ana.client) === sent);
		expect(rateLimited(ana.client)).toBeGreaterThan(0);
		const applied = ana.client.received.flatMap((m) =>
			m.type === "ack" && m.id.startsWith("e") ? [`v${m.id.slice(1)}`] : [],
		);
		const last = applied.at(-1);
		await change(bruno.client, "edit", line.seq, (c) => c.text === last);
		const seen = bruno.client.received
			.flatMap((m) => (m.type === "message" ? [m.message] : m.type === "messages" ? m.messages : []))
			.flatMap((l) => (isChange(l) && l.kind === "edit" ? [l.text] : []));
		expect(seen).toEqual(applied);
	});

	it("refuses an edit of a message that is not there, or of a line that is not a message", async () => {
		const { ana, line } = await anaSaid("here");
		ana.client.send({ type: "edit", id: "nothing", seq: line.seq + 1000, text: "x" });
		expect(await ana.client.waitFor("error", (e) => e.id === "nothing")).toMatchObject({ code: "unknown_message" });
		const joined = ana.welcome.seq;
		ana.client.send({ type: "edit", id: "a-join", seq: joined, text: "x" });
		expect(await ana.client.waitFor("error", (e) => e.id === "a-join")).toMatchObject({ code: "unknown_message" });
		ana.client.send({ type: "delete", id: "del-join", seq: joined });
		expect(await ana.client.waitFor("error", (e) => e.id === "del-join")).toMatchObject({ code: "unknown_message" });
	});
});

describe("deleting a message", () => {
	it("shows everyone a deleted line in its place, and removes its text, its edits' text and its reactions from storage", async () => {
		const secret = "my password is hunter2";
		const { room, ana, bruno, line } = await anaSaid(secret);
		ana.client.send({ type: "edit", id: "e1", seq: line.seq, text: `${secret}!` });
		bruno.client.send({ type: "react", id: "r1", seq: line.seq, emoji: "😮", on: true });
		await change(ana.client, "react", line.seq);
		ana.client.send({ type: "delete", id: "d1", seq: line.seq });
		const gone = await change(bruno.client, "delete", line.seq);
		expect(gone).toMatchObject({ kind: "delete", name: "Ana", target: line.seq, deleted: "sender" });
		expect(JSON.stringify(gone)).not.toContain("hunter2");

		const stored = await everythingStored(room);
		expect(stored).not.toContain("hunter2");
		expect(stored).not.toContain("😮");

		// A newcomer's page and the history endpoint show the deleted line, with nothing of it.
		const carla = await TestClient.join(room, "Carla");
		const shown = carla.welcome.messages.find((m) => m.seq === line.seq) as ChatMessage;
		expect(shown).toMatchObject({ kind: "chat", name: "Ana", text: "", deleted: "sender" });
		expect(shown.reactions).toBeUndefined();
		expect(JSON.stringify(carla.welcome)).not.toContain("hunter2");
		const page = await env.CHAT_ROOM.getByName(room).history(Number.MAX_SAFE_INTEGER, 50);
		expect(JSON.stringify(page)).not.toContain("hunter2");
	});

	it("refuses, with not_yours, a delete of someone else's message, and the text stays", async () => {
		const { room, bruno, line } = await anaSaid("keep me");
		bruno.client.send({ type: "delete", id: "nope", seq: line.seq });
		expect(await bruno.client.waitFor("error", (e) => e.id === "nope")).toMatchObject({ code: "not_yours" });
		expect(await everythingStored(room)).toContain("keep me");
	});

	it("applies a retried delete once, acks it with the same seq, and refuses further changes to the message", async () => {
		const { ana, bruno, line } = await anaSaid("oops");
		ana.client.send({ type: "delete", id: "d", seq: line.seq });
		const first = await ana.client.waitFor("ack", (a) => a.id === "d");
		ana.client.send({ type: "delete", id: "d", seq: line.seq });
		const second = await ana.client.waitFor("ack", (a) => a.id === "d" && a !== first);
		expect(second.seq).toBe(first.seq);
		ana.client.send({ type: "edit", id: "late", seq: line.seq, text: "back" });
		expect(await ana.client.waitFor("error", (e) => e.id === "late")).toMatchObject({ code: "message_deleted" });
		bruno.client.send({ type: "react", id: "late-r", seq: line.seq, emoji: "👍", on: true });
		expect(await bruno.client.waitFor("error", (e) => e.id === "late-r")).toMatchObject({ code: "message_deleted" });
		// A retried send of the deleted message does not bring it back.
		ana.client.send({ type: "send", id: "said", text: "oops" });
		expect((await ana.client.waitFor("ack", (a) => a.id === "said")).seq).toBe(line.seq);
		ana.client.send({ type: "send", id: "m", text: "marker" });
		await bruno.client.message("marker");
		expect(bruno.client.lines().filter((l) => isChange(l) && l.kind === "delete")).toHaveLength(1);
		expect(bruno.client.texts().filter((t) => t === "oops")).toHaveLength(1);
	});
});

describe("changes in the stream", () => {
	it("gives a client that was offline an edit of a message it holds and a delete of one it never saw, once and in order", async () => {
		const { room, ana, bruno, line: held } = await anaSaid("typo herre");
		const seen = await bruno.client.message("typo herre");
		bruno.client.close();
		await bruno.client.closed;

		ana.client.send({ type: "edit", id: "fix", seq: held.seq, text: "typo here" });
		ana.client.send({ type: "send", id: "unseen", text: "wrong room, sorry" });
		const unseen = await ana.client.message("wrong room, sorry");
		ana.client.send({ type: "delete", id: "del", seq: unseen.seq });
		await change(ana.client, "delete", unseen.seq);

		const back = await TestClient.join(room, "Bruno", bruno.user, seen.seq);
		expect(back.welcome.reset).toBe(false);
		const lines = back.welcome.messages;
		expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => seen.seq + 1 + i));
		const changes = lines.filter(isChange);
		expect(changes.map((c) => [c.kind, c.target])).toEqual([
			["edit", held.seq],
			["delete", unseen.seq],
		]);
		expect(changes[0]).toMatchObject({ text: "typo here" });
		// The message it never saw comes in its current state: deleted, its text gone.
		expect(lines.find((l) => l.seq === unseen.seq)).toMatchObject({ kind: "chat", text: "", deleted: "sender" });
		expect(JSON.stringify(lines)).not.toContain("wrong room");
	});

	it("answers a sync with the change lines too, so a gap closes", async () => {
		const { ana, line } = await anaSaid("one");
		ana.client.send({ type: "edit", id: "e", seq: line.seq, text: "uno" });
		await change(ana.client, "edit", line.seq);
		ana.client.send({ type: "sync", since: line.seq });
		const history = await ana.client.waitFor("history");
		expect(history.messages.map((l) => [l.kind, l.seq])).toEqual([["edit", line.seq + 1]]);
	});

	it("shows each message as it is now in pages: current text, edited, rev of the last change", async () => {
		const { room, ana, line } = await anaSaid("draft");
		ana.client.send({ type: "edit", id: "e1", seq: line.seq, text: "draft 2" });
		ana.client.send({ type: "edit", id: "e2", seq: line.seq, text: "final" });
		const last = await change(ana.client, "edit", line.seq, (c) => c.id !== undefined && c.seq === line.seq + 2);
		await evictDurableObject(env.CHAT_ROOM.getByName(room));
		const { messages } = await env.CHAT_ROOM.getByName(room).history(Number.MAX_SAFE_INTEGER, 50);
		// Pages hold messages, not the changes to them.
		expect(messages.some(isChange)).toBe(false);
		expect(messages.find((m) => m.seq === line.seq)).toMatchObject({ text: "final", edited: true, rev: last.seq });
	});
});

describe("a room created by older code", () => {
	it("lets a sender edit a message stored before the room kept senders' keys (taken from its client id)", async () => {
		const room = newRoom();
		const stub = env.CHAT_ROOM.getByName(room);
		await runInDurableObject(stub, (_i, state) => {
			const sql = state.storage.sql;
			// The schema as the code before this feature left it (version 3), with one message in it.
			migrate(sql);
			sql.exec("DROP TABLE messages; DROP TABLE reactions; UPDATE schema_version SET version = 3");
			sql.exec(`CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, kind TEXT NOT NULL,
				name TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL, client_id TEXT UNIQUE)`);
			sql.exec(
				"INSERT INTO messages (id, kind, name, text, at, client_id) VALUES ('x', 'chat', 'Ana', 'old typo', 1, 'ana-device/m1')",
			);
		});
		await evictDurableObject(stub);
		const ana = await TestClient.join(room, "Ana", "ana-device");
		const bruno = await TestClient.join(room, "Bruno");
		bruno.client.send({ type: "edit", id: "b", seq: 1, text: "not mine" });
		expect(await bruno.client.waitFor("error", (e) => e.id === "b")).toMatchObject({ code: "not_yours" });
		ana.client.send({ type: "edit", id: "a", seq: 1, text: "old, fixed" });
		expect(await change(bruno.client, "edit", 1)).toMatchObject({ text: "old, fixed" });
	});
});

describe("older pages", () => {
	it("never sees a change line or a field it does not know (protocol version 4, the one before)", async () => {
		const { room, ana, line } = await anaSaid("hi");
		const old = await TestClient.join(room, "Old", undefined, undefined, CHANGES_VERSION - 1);
		ana.client.send({ type: "edit", id: "e", seq: line.seq, text: "hi there" });
		// A reaction changes nothing an old page shows: it is not sent one.
		ana.client.send({ type: "react", id: "r", seq: line.seq, emoji: "🎉", on: true });
		ana.client.send({ type: "delete", id: "d", seq: line.seq });
		ana.client.send({ type: "send", id: "m", text: "marker" });
		await old.client.message("marker");
		const lines: Line[] = old.client.lines();
		expect(lines.some(isChange)).toBe(false);
		const allowed = ["seq", "id", "kind", "name", "text", "at"];
		for (const l of lines) expect(Object.keys(l).filter((k) => !allowed.includes(k))).toEqual([]);
		// It is sent the message again, in its new state, as a line it knows (same seq: it replaces it).
		expect(lines.filter((l) => l.seq === line.seq).map((l) => (l as ChatMessage).text)).toEqual([
			"hi there",
			"This message was deleted",
		]);
		old.client.send({ type: "sync", since: line.seq - 1 });
		const history = await old.client.waitFor("history");
		expect(history.messages.some(isChange)).toBe(false);
	});
});
