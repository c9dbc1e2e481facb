import { describe, expect, it } from "vitest";
import { isRoomName, LIMITS, nameKey, parseClientFrame } from "../protocol";

const user = "device-key-1234";
const frame = (value: unknown) => parseClientFrame(JSON.stringify(value));

describe("parseClientFrame", () => {
	it("accepts each known frame", () => {
		expect(frame({ type: "join", name: "Ana", user })).toEqual({
			ok: true,
			frame: { type: "join", name: "Ana", user },
		});
		expect(frame({ type: "join", name: "Ana", user, since: 12 })).toMatchObject({ ok: true });
		expect(frame({ type: "send", id: "m-1", text: "hi" })).toEqual({
			ok: true,
			frame: { type: "send", id: "m-1", text: "hi" },
		});
		expect(frame({ type: "typing" })).toEqual({ ok: true, frame: { type: "typing" } });
		expect(frame({ type: "sync", since: 0 })).toEqual({ ok: true, frame: { type: "sync", since: 0 } });
	});

	it("refuses what is not JSON", () => {
		for (const raw of ["", "{", "hello", "{'type':'typing'}", "undefined"]) {
			expect(parseClientFrame(raw), raw).toMatchObject({ ok: false, code: "bad_json" });
		}
	});

	it("refuses JSON that is not a frame object, or of an unknown type", () => {
		for (const value of [null, 42, "typing", [], [{ type: "typing" }], {}, { type: "shout" }, { type: 1 }]) {
			expect(frame(value), JSON.stringify(value)).toMatchObject({ ok: false, code: "unknown_type" });
		}
	});

	it("refuses extra and missing fields, and fields of the wrong type", () => {
		expect(frame({ type: "typing", extra: true })).toMatchObject({
			ok: false,
			code: "invalid_frame",
			reason: 'Unknown field "extra"',
		});
		// A client cannot choose its sender name, id or time.
		expect(frame({ type: "send", id: "m-1", text: "hi", name: "Admin" })).toMatchObject({
			ok: false,
			code: "invalid_frame",
			id: "m-1",
		});
		expect(frame({ type: "send", id: "m-1", text: "hi", at: 0 })).toMatchObject({ ok: false, code: "invalid_frame" });
		expect(frame({ type: "send", text: "hi" })).toMatchObject({ ok: false, code: "invalid_frame" });
		expect(frame({ type: "send", id: "m-1" })).toMatchObject({
			ok: false,
			code: "invalid_frame",
			reason: 'Missing field "text"',
			id: "m-1",
		});
		expect(frame({ type: "send", id: "m-1", text: 5 })).toMatchObject({ ok: false, code: "invalid_message" });
		expect(frame({ type: "send", id: "has space", text: "hi" })).toMatchObject({ ok: false, code: "invalid_frame" });
		expect(frame({ type: "join", name: "Ana" })).toMatchObject({ ok: false, code: "invalid_frame" });
		expect(frame({ type: "join", name: ["Ana"], user })).toMatchObject({ ok: false, code: "invalid_name" });
		expect(frame({ type: "sync", since: -1 })).toMatchObject({ ok: false, code: "invalid_frame" });
		expect(frame({ type: "sync", since: 1.5 })).toMatchObject({ ok: false, code: "invalid_frame" });
		expect(frame({ type: "sync", since: "3" })).toMatchObject({ ok: false, code: "invalid_frame" });
	});

	it("enforces the name limits after trimming", () => {
		expect(frame({ type: "join", name: "  Ana  ", user })).toMatchObject({ ok: true, frame: { name: "Ana" } });
		expect(frame({ type: "join", name: "x".repeat(LIMITS.nameMax), user })).toMatchObject({ ok: true });
		expect(frame({ type: "join", name: ` ${"x".repeat(LIMITS.nameMax)} `, user })).toMatchObject({ ok: true });
		expect(frame({ type: "join", name: "x".repeat(LIMITS.nameMax + 1), user })).toMatchObject({
			ok: false,
			code: "invalid_name",
			reason: "A name can be at most 32 characters",
		});
		for (const blank of ["", "   ", "\t\n"]) {
			expect(frame({ type: "join", name: blank, user })).toMatchObject({
				ok: false,
				code: "invalid_name",
				reason: "Please enter a name",
			});
		}
	});

	it("refuses invisible, control and direction-changing characters in names", () => {
		for (const name of ["An\u200Ba", "Ana\u202E", "\u2066Ana", "A\u0000na", "Ana\u0007", "A\u00ADna"]) {
			expect(frame({ type: "join", name, user }), JSON.stringify(name)).toMatchObject({
				ok: false,
				code: "invalid_name",
			});
		}
	});

	it("refuses names that are not well-formed text, and every character drawn as nothing", () => {
		for (const name of ["g\ud800", "\udc00Ana", "Ana\ud83d"]) {
			expect(frame({ type: "join", name, user }), JSON.stringify(name)).toMatchObject({
				ok: false,
				code: "invalid_name",
				reason: "A name cannot contain broken characters (a lone UTF-16 surrogate)",
			});
		}
		const invisible = ["\u034F", "\uFE00", "\uFE0F", "\u{E0100}", "\u2800", "\u3164", "\u115F", "\u1160"];
		for (const ch of [...invisible, "\uFFA0", "\u17B4", "\u17B5", "\u180B", "\u180E", "\u2060", "\uFEFF"]) {
			expect(frame({ type: "join", name: `An${ch}a`, user }), JSON.stringify(ch)).toMatchObject({
				ok: false,
				code: "invalid_name",
				reason: "A name cannot contain invisible, control or direction-changing characters",
			});
		}
	});

	it("collapses runs of spaces in a name, and keeps an emoji's presentation selector", () => {
		expect(frame({ type: "join", name: " Ana  \u3000Silva ", user })).toMatchObject({ frame: { name: "Ana Silva" } });
		expect(frame({ type: "join", name: "Lu \u2764\uFE0F", user })).toMatchObject({
			frame: { name: "Lu \u2764\uFE0F" },
		});
		expect(frame({ type: "join", name: "\u{1F44D}\u{1F3FD}", user })).toMatchObject({ ok: true });
	});

	it("enforces the message limits after trimming", () => {
		expect(frame({ type: "send", id: "a", text: "x".repeat(LIMITS.messageMax) })).toMatchObject({ ok: true });
		expect(frame({ type: "send", id: "a", text: `  ${"x".repeat(LIMITS.messageMax)}\n` })).toMatchObject({ ok: true });
		expect(frame({ type: "send", id: "a", text: "x".repeat(LIMITS.messageMax + 1) })).toMatchObject({
			ok: false,
			code: "invalid_message",
			id: "a",
			reason: "A message can be at most 2000 characters",
		});
		for (const blank of ["", " ", "\n\n", "\u0000\u0001"]) {
			expect(frame({ type: "send", id: "a", text: blank })).toMatchObject({
				ok: false,
				code: "invalid_message",
				reason: "A message cannot be empty",
			});
		}
	});

	it("takes a room title like a name: trimmed, at most 60 characters, nothing hidden, refused as invalid_title", () => {
		expect(frame({ type: "title", id: "t", text: "  Weekend hike " })).toEqual({
			ok: true,
			frame: { type: "title", id: "t", text: "Weekend hike" },
		});
		expect(frame({ type: "title", id: "t", text: "x".repeat(LIMITS.titleMax) })).toMatchObject({ ok: true });
		for (const [text, reason] of [
			["x".repeat(LIMITS.titleMax + 1), "A title can be at most 60 characters"],
			[" ", "Please enter a title"],
			["Team\u202E", "A title cannot contain invisible, control or direction-changing characters"],
			[3, "A title must be text"],
		] as const) {
			expect(frame({ type: "title", id: "t", text }), String(text)).toEqual({
				ok: false,
				code: "invalid_title",
				reason,
				id: "t",
			});
		}
		expect(frame({ type: "title", text: "No id" })).toMatchObject({ ok: false, code: "invalid_frame" });
	});

	it("keeps line breaks and strips control and bidi-override characters from messages", () => {
		expect(frame({ type: "send", id: "a", text: "line 1\r\nline 2\n\tindented" })).toMatchObject({
			frame: { text: "line 1\nline 2\n\tindented" },
		});
		expect(frame({ type: "send", id: "a", text: "a\u0000b\u001Bc\u202Ed\u2067e" })).toMatchObject({
			frame: { text: "abcde" },
		});
		// A lone surrogate becomes U+FFFD, which keeps the length; a pair is kept.
		expect(frame({ type: "send", id: "a", text: "a\ud800b\udc00 \u{1F600}" })).toMatchObject({
			frame: { text: "a\uFFFDb\uFFFD \u{1F600}" },
		});
		// Emoji built with zero-width joiners survive.
		expect(frame({ type: "send", id: "a", text: "👩‍💻" })).toMatchObject({ frame: { text: "👩‍💻" } });
	});
});

describe("names and rooms", () => {
	it("compares names case-insensitively after NFKC normalization, with runs of spaces as one", () => {
		expect(nameKey("ANA")).toBe(nameKey("ana"));
		expect(nameKey("Ｊｏｓé")).toBe(nameKey("jose\u0301"));
		expect(nameKey(" ana ")).toBe(nameKey("ana"));
		expect(nameKey("ana")).not.toBe(nameKey("anna"));
		expect(nameKey("Ana  Silva")).toBe(nameKey("ana silva"));
		expect(nameKey("Lu \u2764\uFE0F")).toBe(nameKey("lu \u2764"));
	});

	it("accepts room names of 1-64 letters, digits, - and _", () => {
		for (const room of ["lobby", "a", "Team_42-x", "x".repeat(64)]) expect(isRoomName(room), room).toBe(true);
		for (const room of ["", "x".repeat(65), "a b", "a/b", "a.b", "é", "<x>"])
			expect(isRoomName(room), room).toBe(false);
	});
});
