/**
 * The catalogue in docs/security.md, case by case: every frame a client can
 * send gets a clear answer (an error frame with a stable code and a reason,
 * or a close code), and the room goes on serving everyone else.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ChatMessage, type ErrorCode, isChange } from "../protocol";
import { newRoom, TestClient } from "./ws-client";

/**
 * A room where Ana and Bruno talk. `stillServes` proves they still do, and
 * that nothing of the attack reached them: no error, and no line but
 * arrivals, their own and the `expected` ones.
 */
async function roomWithBystanders() {
	const room = newRoom();
	const { client: ana } = await TestClient.join(room, "Ana");
	const { client: bruno } = await TestClient.join(room, "Bruno");
	let said = 0;
	return {
		room,
		async stillServes(expected: string[] = []) {
			said += 1;
			const text = `still here ${said}`;
			ana.send({ type: "send", id: `ana-${said}`, text });
			await Promise.all([ana.message(text), bruno.message(text)]);
			for (const c of [ana, bruno]) {
				expect(c.received.filter((m) => m.type === "error")).toEqual([]);
				const others = c.texts().filter((t) => !t.endsWith(" joined the chat") && !t.startsWith("still here"));
				expect(others).toEqual(expected);
			}
		},
	};
}

/** An attacker's socket in `room`: joined as Mallory, or only connected. */
async function attacker(room: string, joined: boolean): Promise<TestClient> {
	if (joined) return (await TestClient.join(room, "Mallory")).client;
	return TestClient.open(room);
}

const user = "mallory-device-1";
const json = (value: unknown) => JSON.stringify(value);
/** A well-formed push subscription to `endpoint` (the keys are of the right shape, not a real device's). */
const pushSubscription = (endpoint: string) => ({
	endpoint,
	keys: { p256dh: `B${"A".repeat(86)}`, auth: "A".repeat(22) },
});
const NAME_REFUSED = "A name cannot contain invisible, control or direction-changing characters";
const NAME_MALFORMED = "A name cannot contain broken characters (a lone UTF-16 surrogate)";

interface Case {
	behaviour: string;
	/** Whether the attacker has joined before sending. */
	joined: boolean;
	frame: string | ArrayBuffer;
	code: ErrorCode;
	reason?: string;
	/** The id a refused send is answered with. */
	id?: string;
}

const cases: Case[] = [
	{
		behaviour: "text that is not JSON",
		joined: true,
		frame: "hello",
		code: "bad_json",
		reason: "Frame is not valid JSON",
	},
	{ behaviour: "truncated JSON", joined: true, frame: '{"type":"send","id":"a","text":"hi"', code: "bad_json" },
	{
		behaviour: "a binary frame",
		joined: true,
		frame: new Uint8Array([0x7b, 0x7d]).buffer,
		code: "binary_frame",
		reason: "Frames must be text (JSON), not binary",
	},
	{ behaviour: "JSON that is a number", joined: true, frame: "42", code: "unknown_type" },
	{ behaviour: "JSON null", joined: true, frame: "null", code: "unknown_type" },
	{ behaviour: "an array of frames", joined: true, frame: json([{ type: "typing" }]), code: "unknown_type" },
	{
		behaviour: "an unknown type",
		joined: true,
		frame: json({ type: "shout", text: "HI" }),
		code: "unknown_type",
		reason:
			"Unknown frame type: expected join, send, typing, sync, title, edit, delete, react, claim, mute, kick, ban, lift, demote, settings, clear_history, link, moderation, audit, subscribe, unsubscribe",
	},
	{ behaviour: "a type that is not a string", joined: true, frame: json({ type: 1 }), code: "unknown_type" },
	{
		behaviour: "JSON nested 4000 deep",
		joined: true,
		frame: `${"[".repeat(4000)}${"]".repeat(4000)}`,
		code: "unknown_type",
	},
	{
		behaviour: "a missing field",
		joined: true,
		frame: json({ type: "send", id: "m-1" }),
		code: "invalid_frame",
		reason: 'Missing field "text"',
		id: "m-1",
	},
	{
		behaviour: "an extra field (a client choosing its sender)",
		joined: true,
		frame: json({ type: "send", id: "m-2", text: "I am Ana", name: "Ana" }),
		code: "invalid_frame",
		reason: 'Unknown field "name"',
		id: "m-2",
	},
	{
		behaviour: "a __proto__ key",
		joined: true,
		frame: '{"type":"typing","__proto__":{"admin":true}}',
		code: "invalid_frame",
		reason: 'Unknown field "__proto__"',
	},
	{
		behaviour: "message text that is not a string",
		joined: true,
		frame: json({ type: "send", id: "m-3", text: 5 }),
		code: "invalid_message",
		reason: "A message must be text",
		id: "m-3",
	},
	{
		behaviour: "a message id that is a number",
		joined: true,
		frame: json({ type: "send", id: 7, text: "hi" }),
		code: "invalid_frame",
	},
	{
		behaviour: "a message id with spaces",
		joined: true,
		frame: json({ type: "send", id: "a b", text: "hi" }),
		code: "invalid_frame",
	},
	{
		behaviour: "a sequence number given as a string",
		joined: true,
		frame: json({ type: "sync", since: "3" }),
		code: "invalid_frame",
	},
	{
		behaviour: "a sequence number past 2^53",
		joined: true,
		frame: '{"type":"sync","since":1e308}',
		code: "invalid_frame",
	},
	{
		behaviour: "a negative sequence number",
		joined: true,
		frame: json({ type: "sync", since: -1 }),
		code: "invalid_frame",
	},
	{
		behaviour: "a message over 2000 characters",
		joined: true,
		frame: json({ type: "send", id: "m-4", text: "x".repeat(2001) }),
		code: "invalid_message",
		reason: "A message can be at most 2000 characters",
		id: "m-4",
	},
	{
		behaviour: "an empty message",
		joined: true,
		frame: json({ type: "send", id: "m-5", text: "" }),
		code: "invalid_message",
		reason: "A message cannot be empty",
		id: "m-5",
	},
	{
		behaviour: "a whitespace-only message",
		joined: true,
		frame: json({ type: "send", id: "m-6", text: " \n\t\u3000 " }),
		code: "invalid_message",
		reason: "A message cannot be empty",
	},
	{
		behaviour: "a message of nothing but control and bidi characters",
		joined: true,
		frame: json({ type: "send", id: "m-7", text: "\u0000\u202E\u0007\u2066" }),
		code: "invalid_message",
		reason: "A message cannot be empty",
	},
	{
		behaviour: "an edit with an empty text",
		joined: true,
		frame: json({ type: "edit", id: "e-1", seq: 1, text: " " }),
		code: "invalid_message",
		reason: "A message cannot be empty",
		id: "e-1",
	},
	{
		behaviour: "an edit naming its author",
		joined: true,
		frame: json({ type: "edit", id: "e-2", seq: 1, text: "x", name: "Ana" }),
		code: "invalid_frame",
		reason: 'Unknown field "name"',
		id: "e-2",
	},
	{
		behaviour: "a reaction outside the eight emoji",
		joined: true,
		frame: json({ type: "react", id: "r-1", seq: 1, emoji: "🍕", on: true }),
		code: "invalid_frame",
		reason: "emoji: A reaction must be one of 👍 ❤️ 😂 🎉 😮 😢 🙏 👀",
		id: "r-1",
	},
	{
		behaviour: "a reaction that is a toggle, not on or off",
		joined: true,
		frame: json({ type: "react", id: "r-2", seq: 1, emoji: "👍", on: "toggle" }),
		code: "invalid_frame",
		id: "r-2",
	},
	{
		behaviour: "a reply to a message that is not there",
		joined: true,
		frame: json({ type: "send", id: "m-8", text: "re", replyTo: 99_999 }),
		code: "unknown_message",
		reason: "There is no message 99999 in this room",
		id: "m-8",
	},
	{
		behaviour: "an edit of a message that is not there",
		joined: true,
		frame: json({ type: "edit", id: "e-3", seq: 99_999, text: "x" }),
		code: "unknown_message",
		id: "e-3",
	},
	{
		behaviour: "a delete of a line that is not a message (someone joining)",
		joined: true,
		frame: json({ type: "delete", id: "d-1", seq: 1 }),
		code: "unknown_message",
		id: "d-1",
	},
	{
		behaviour: "a change before joining",
		joined: false,
		frame: json({ type: "react", id: "r-3", seq: 1, emoji: "👍", on: true }),
		code: "not_joined",
	},
	{
		behaviour: "a name of the wrong type",
		joined: false,
		frame: json({ type: "join", name: ["Ana"], user }),
		code: "invalid_name",
		reason: "A name must be text",
	},
	{
		behaviour: "an empty name",
		joined: false,
		frame: json({ type: "join", name: "  ", user }),
		code: "invalid_name",
		reason: "Please enter a name",
	},
	{
		behaviour: "a name over 32 characters",
		joined: false,
		frame: json({ type: "join", name: "M".repeat(33), user }),
		code: "invalid_name",
		reason: "A name can be at most 32 characters",
	},
	{
		behaviour: "a name with a control character",
		joined: false,
		frame: json({ type: "join", name: "Mal\u0007lory", user }),
		code: "invalid_name",
		reason: NAME_REFUSED,
	},
	{
		behaviour: "a name with a zero-width space (a look-alike of another name)",
		joined: false,
		frame: json({ type: "join", name: "An\u200Ba", user }),
		code: "invalid_name",
		reason: NAME_REFUSED,
	},
	{
		behaviour: "a name with a right-to-left override",
		joined: false,
		frame: json({ type: "join", name: "\u202Eyrollam", user }),
		code: "invalid_name",
		reason: NAME_REFUSED,
	},
	{
		behaviour: "a name with a bidi isolate",
		joined: false,
		frame: json({ type: "join", name: "Ana\u2067", user }),
		code: "invalid_name",
		reason: NAME_REFUSED,
	},
	{
		// JSON's \u escapes are the one way to put a lone surrogate in a text frame: UTF-8 cannot carry one.
		behaviour: "a name with a lone surrogate (a ghost: stored as other bytes, it never leaves)",
		joined: false,
		frame: '{"type":"join","name":"g\\ud800","user":"ghostkey01"}',
		code: "invalid_name",
		reason: NAME_MALFORMED,
	},
	{
		behaviour: "a name with a lone low surrogate",
		joined: false,
		frame: '{"type":"join","name":"\\udc00Mallory","user":"ghostkey01"}',
		code: "invalid_name",
		reason: NAME_MALFORMED,
	},
	...(
		[
			["a combining grapheme joiner", "Ana\u034F"],
			["a variation selector", "Ana\uFE00"],
			["an emoji variation selector after a letter", "Ana\uFE0F"],
			["a supplementary variation selector", "Ana\u{E0100}"],
			["a tag character", "Ana\u{E0041}"],
			["a braille blank", "Ana\u2800"],
			["a Hangul filler", "Ana\u3164"],
			["a Hangul choseong filler", "Ana\u115F"],
			["a halfwidth Hangul filler", "Ana\uFFA0"],
			["a Khmer inherent vowel", "Ana\u17B5"],
			["a Mongolian variation selector", "Ana\u180B"],
		] as const
	).map(
		([what, name]): Case => ({
			behaviour: `a copy of a present name with ${what} (drawn as nothing)`,
			joined: false,
			frame: json({ type: "join", name, user }),
			code: "invalid_name",
			reason: NAME_REFUSED,
		}),
	),
	{
		behaviour: "a name that is only a braille blank (a blank sender)",
		joined: false,
		frame: json({ type: "join", name: "\u2800", user }),
		code: "invalid_name",
		reason: NAME_REFUSED,
	},
	{
		behaviour: "a name that is only Hangul fillers",
		joined: false,
		frame: json({ type: "join", name: "\u3164\u3164", user }),
		code: "invalid_name",
		reason: NAME_REFUSED,
	},
	{
		behaviour: "a message before joining",
		joined: false,
		frame: json({ type: "send", id: "early", text: "hi" }),
		code: "not_joined",
		reason: "Join the room before sending anything else",
	},
	{ behaviour: "typing before joining", joined: false, frame: json({ type: "typing" }), code: "not_joined" },
	{
		behaviour: "a history request before joining",
		joined: false,
		frame: json({ type: "sync", since: 0 }),
		code: "not_joined",
	},
	{
		behaviour: "a push subscription before joining",
		joined: false,
		frame: json({ type: "unsubscribe" }),
		code: "not_joined",
	},
	{
		behaviour: "a push endpoint that is not a push service (the room would POST wherever a client said)",
		joined: true,
		frame: json({
			type: "subscribe",
			subscription: pushSubscription("https://evil.example/hook"),
			level: "all",
			preview: false,
		}),
		code: "invalid_subscription",
		reason: "endpoint is not a push service this server sends to",
	},
	{
		behaviour: "a push endpoint over plain http",
		joined: true,
		frame: json({
			type: "subscribe",
			subscription: pushSubscription("http://push.test/x"),
			level: "all",
			preview: false,
		}),
		code: "invalid_subscription",
		reason: "endpoint must be an https URL",
	},
	{
		behaviour: "a push key of the wrong size",
		joined: true,
		frame: json({
			type: "subscribe",
			subscription: { ...pushSubscription("https://push.test/x"), keys: { p256dh: "BAAA", auth: "A".repeat(22) } },
			level: "all",
			preview: false,
		}),
		code: "invalid_subscription",
		reason: "p256dh must be 65 bytes in base64url",
	},
	{
		behaviour: "an unknown field inside a push subscription",
		joined: true,
		frame: json({
			type: "subscribe",
			subscription: { ...pushSubscription("https://push.test/x"), expirationTime: null },
			level: "all",
			preview: false,
		}),
		code: "invalid_subscription",
		reason: 'Unknown field "subscription.expirationTime"',
	},
	{
		behaviour: "a push level that is not all or mentions",
		joined: true,
		frame: json({
			type: "subscribe",
			subscription: pushSubscription("https://push.test/x"),
			level: "everything",
			preview: false,
		}),
		code: "invalid_subscription",
		reason: "level must be all or mentions",
	},
	{
		behaviour: "joining twice",
		joined: true,
		frame: json({ type: "join", name: "Mallory2", user }),
		code: "already_joined",
		reason: "This connection has already joined the room",
	},
	{
		behaviour: "a name already online",
		joined: false,
		frame: json({ type: "join", name: "Ana", user }),
		code: "name_taken",
		reason: 'The name "Ana" is taken in this room; please choose another',
	},
	{
		behaviour: "a name already online, in other case",
		joined: false,
		frame: json({ type: "join", name: "aNA", user }),
		code: "name_taken",
	},
	{
		behaviour: "a name already online, in full-width letters",
		joined: false,
		frame: json({ type: "join", name: "Ａｎａ", user }),
		code: "name_taken",
	},
	{
		behaviour: "a room title from someone who did not make the room",
		joined: true,
		frame: json({ type: "title", id: "t-1", text: "Mallory's room" }),
		code: "not_creator",
		reason: "Only the person who made this room can give it a title",
		id: "t-1",
	},
	{
		behaviour: "an empty room title",
		joined: true,
		frame: json({ type: "title", id: "t-2", text: "  " }),
		code: "invalid_title",
		reason: "Please enter a title",
		id: "t-2",
	},
	{
		behaviour: "a room title over 60 characters",
		joined: true,
		frame: json({ type: "title", id: "t-3", text: "T".repeat(61) }),
		code: "invalid_title",
		reason: "A title can be at most 60 characters",
		id: "t-3",
	},
	{
		behaviour: "a room title with a right-to-left override",
		joined: true,
		frame: json({ type: "title", id: "t-4", text: "Team \u202Eyrollam" }),
		code: "invalid_title",
		reason: "A title cannot contain invisible, control or direction-changing characters",
		id: "t-4",
	},
	{
		behaviour: "a room title before joining",
		joined: false,
		frame: json({ type: "title", id: "t-5", text: "Early" }),
		code: "not_joined",
	},
];

describe("every frame a client can send gets a clear answer and harms no one else", () => {
	it.each(cases)("answers $behaviour with $code, and the room keeps serving the others", async (c) => {
		const { room, stillServes } = await roomWithBystanders();
		const mallory = await attacker(room, c.joined);
		mallory.sendRaw(c.frame);
		const error = await mallory.error(c.code);
		expect(error.reason).toEqual(c.reason ?? expect.any(String));
		expect(error.reason.length).toBeGreaterThan(0);
		if (c.id !== undefined) expect(error.id).toBe(c.id);
		// The socket stays open and answers the next frame.
		mallory.sendRaw(json({ type: "send", id: "next", text: "x", extra: 1 }));
		await mallory.waitFor("error", (e) => e.id === "next");
		expect(mallory.ws.readyState).toBe(WebSocket.OPEN);
		await stillServes();
	});
});

describe("changes to messages that are not the sender's", () => {
	it("refuses, with not_yours, an edit or a delete of someone else's message, and nobody sees a change", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const { client: ana } = await TestClient.join(room, "Ana's friend");
		ana.send({ type: "send", id: "x", text: "Ana's friend was here" });
		const line = await ana.message("Ana's friend was here");
		const mallory = await attacker(room, true);
		mallory.send({ type: "edit", id: "steal", seq: line.seq, text: "Mallory was here" });
		expect(await mallory.waitFor("error", (e) => e.id === "steal")).toMatchObject({
			code: "not_yours",
			reason: "Only its sender can edit a message",
		});
		mallory.send({ type: "delete", id: "erase", seq: line.seq });
		expect(await mallory.waitFor("error", (e) => e.id === "erase")).toMatchObject({ code: "not_yours" });
		await stillServes(["Ana's friend was here"]);
		expect(ana.lines().filter(isChange)).toEqual([]);
	});

	it("refuses, with message_deleted, a change to a deleted message or a reply to one", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const { client: carla } = await TestClient.join(room, "Carla");
		carla.send({ type: "send", id: "x", text: "soon gone" });
		const line = await carla.message("soon gone");
		carla.send({ type: "delete", id: "d", seq: line.seq });
		await carla.waitFor("ack", (a) => a.id === "d");
		const mallory = await attacker(room, true);
		mallory.send({ type: "react", id: "r", seq: line.seq, emoji: "👀", on: true });
		expect(await mallory.waitFor("error", (e) => e.id === "r")).toMatchObject({
			code: "message_deleted",
			reason: "That message was deleted",
		});
		mallory.send({ type: "send", id: "re", text: "what did it say?", replyTo: line.seq });
		expect(await mallory.waitFor("error", (e) => e.id === "re")).toMatchObject({ code: "message_deleted" });
		await stillServes(["soon gone"]);
	});
});

describe("frame size", () => {
	/** A send frame of exactly `bytes` bytes of UTF-8, its text made of `unit`. */
	function frameOfBytes(bytes: number, unit = "x"): string {
		const shell = json({ type: "send", id: "big", text: "" });
		const unitBytes = new TextEncoder().encode(unit).byteLength;
		const room = bytes - shell.length;
		const text = unit.repeat(Math.floor(room / unitBytes)) + "y".repeat(room % unitBytes);
		const frame = json({ type: "send", id: "big", text });
		expect(new TextEncoder().encode(frame).byteLength).toBe(bytes);
		return frame;
	}

	it("answers a frame of exactly 16 KiB like any other (here: a message too long)", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const mallory = await attacker(room, true);
		mallory.sendRaw(frameOfBytes(16 * 1024));
		expect(await mallory.error("invalid_message")).toMatchObject({ id: "big" });
		await stillServes();
	});

	for (const [what, frame] of [
		["ASCII", () => frameOfBytes(16 * 1024 + 1)],
		["two-byte characters", () => frameOfBytes(16 * 1024 + 1, "é")],
		["three-byte characters", () => frameOfBytes(16 * 1024 + 1, "€")],
		["binary", () => new Uint8Array(16 * 1024 + 1).buffer],
		["a whole MiB", () => "x".repeat(1024 * 1024)],
	] as const) {
		it(`closes the socket with 1009 on a frame one byte over 16 KiB (${what}), and the room keeps serving`, async () => {
			const { room, stillServes } = await roomWithBystanders();
			const mallory = await attacker(room, true);
			mallory.sendRaw(frame());
			expect((await mallory.closed).code).toBe(1009);
			await stillServes();
		});
	}
});

describe("a socket the room has closed", () => {
	it("has no say any more: frames already on the wire behind the one that closed it are ignored", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const mallory = await attacker(room, true);
		mallory.sendRaw("x".repeat(16 * 1024 + 1));
		mallory.send({ type: "send", id: "after", text: "sent after the oversized frame" });
		expect((await mallory.closed).code).toBe(1009);
		await stillServes();
	});

	it("is not the same as a client closing: a message sent just before closing still arrives", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const { client: carla } = await TestClient.join(room, "Carla");
		carla.send({ type: "send", id: "bye", text: "bye, closing my tab" });
		carla.close();
		await carla.closed;
		await stillServes(["bye, closing my tab"]);
	});
});

describe("what a name or a message may contain", () => {
	it("keeps HTML and script in names and messages as plain text, unchanged (the client renders text)", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const name = "<img src=x onerror=alert(1)>";
		const { client: mallory, welcome } = await TestClient.join(room, name);
		expect(welcome.name).toBe(name);
		const text = `<script>alert("hi")</script><b onclick="x()">&amp;</b>`;
		mallory.send({ type: "send", id: "html", text });
		expect(await mallory.message(text)).toMatchObject({ name, text });
		await stillServes([text]);
	});

	it("stores SQL in a message as text: statements only ever bind values", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const { client: mallory } = await TestClient.join(room, "Robert'); DROP TABLE messages;--");
		const text = "'); DELETE FROM messages; SELECT ('";
		mallory.send({ type: "send", id: "sql", text });
		await mallory.message(text);
		await stillServes([text]);
		const { messages } = await env.CHAT_ROOM.getByName(room).history(Number.MAX_SAFE_INTEGER, 100);
		expect(messages.map((m) => m.text)).toContain(text);
		expect(messages.map((m) => m.text)).toContain("Robert'); DROP TABLE messages;-- joined the chat");
	});

	it("collapses runs of spaces inside a name, so a doubled space cannot copy a present name", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const { welcome } = await TestClient.join(room, "Ana Silva");
		expect(welcome.name).toBe("Ana Silva");
		for (const name of ["Ana  Silva", "Ana \u3000 Silva", "Ana\u2003\u2003Silva", "ana\u00A0 silva"]) {
			const mallory = await TestClient.open(room);
			mallory.send({ type: "join", name, user });
			const refused = await mallory.error("name_taken");
			expect(refused.reason, JSON.stringify(name)).toMatch(/^The name "[Aa]na Silva" is taken/i);
		}
		// A name given with a doubled space is stored, shown and compared with one.
		const { welcome: other } = await TestClient.join(room, "Bea   Reis");
		expect(other.name).toBe("Bea Reis");
		await stillServes();
	});

	it("lets an emoji keep its presentation selector, and compares a name with and without it as one", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const { welcome } = await TestClient.join(room, "Lu \u2764\uFE0F");
		expect(welcome.name).toBe("Lu \u2764\uFE0F");
		const mallory = await TestClient.open(room);
		mallory.send({ type: "join", name: "Lu \u2764", user });
		await mallory.error("name_taken");
		await stillServes();
	});

	it("cleans lone surrogates out of a message: everyone receives what the room stores and reads back", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const { client: mallory } = await TestClient.join(room, "Mallory");
		// Before: broadcast as sent, stored as other bytes, and read back three times as long.
		mallory.sendRaw('{"type":"send","id":"lone","text":"a\\ud800b\\udc00c \u{1F600}"}');
		const cleaned = "a\uFFFDb\uFFFDc \u{1F600}";
		const ack = await mallory.waitFor("ack", (a) => a.id === "lone");
		const line = await mallory.message(cleaned);
		// What was acknowledged is the cleaned line, not a second one stored as sent.
		expect(ack.seq).toBe(line.seq);
		await stillServes([cleaned]);
		const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/messages`);
		const { messages } = (await res.json()) as { messages: ChatMessage[] };
		expect(messages.find((m) => m.seq === line.seq)).toEqual(line);
	});

	it("strips control and bidi-override characters from messages but keeps line breaks, tabs and emoji joiners", async () => {
		const { room, stillServes } = await roomWithBystanders();
		const { client: mallory } = await TestClient.join(room, "Mallory");
		mallory.send({ type: "send", id: "bidi", text: "pay \u202Egnp.exe\u202C now\u0007\r\nok\t👩‍💻" });
		const ack = await mallory.waitFor("ack", (a) => a.id === "bidi");
		expect(await mallory.message("pay gnp.exe now\nok\t👩‍💻")).toMatchObject({ name: "Mallory", seq: ack.seq });
		await stillServes(["pay gnp.exe now\nok\t👩‍💻"]);
	});
});
