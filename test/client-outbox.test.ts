/**
 * What the page sent and the room has not yet stored (client/model/outbox.ts),
 * and how each kind of frame leaves the page (client/model/outbound-rules.ts):
 * the pure parts of the one way out, called without a DOM or a socket.
 */
import { describe, expect, it } from "vitest";
import { mayGo, RULES } from "../client/model/outbound-rules";
import { type Outbox, type PendingChange, settleOutbox } from "../client/model/outbox";
import {
	ATTENTION_VERSION,
	CHANGES_VERSION,
	type ChatMessage,
	ClientMessageSchema,
	MODERATION_VERSION,
	type ServerMessage,
} from "../protocol";
import { chatLine } from "./chat-line";

/** What the page holds of the room: lines 1..lastSeq. */
const seen = (lastSeq: number) => ({ lastSeq, messages: Array.from({ length: lastSeq }, (_, i) => chatLine(i + 1)) });
const box = (messages: Outbox["messages"], changes: PendingChange[] = []): Outbox => ({ messages, changes });
const edit = (id: string, seq: number, text: string): PendingChange => ({ id, frame: { type: "edit", id, seq, text } });
const welcome = (seq: number, extra: Partial<Extract<ServerMessage, { type: "welcome" }>> = {}): ServerMessage => ({
	type: "welcome",
	room: "lobby",
	name: "Ana",
	seq,
	messages: [],
	reset: false,
	hasMore: false,
	online: ["Ana"],
	...extra,
});

describe("settling the outbox", () => {
	it("keeps a sent message pending until the room's line with its seq arrives, in either order", () => {
		const start = box([{ id: "c1", text: "hi" }]);
		const ackFirst = settleOutbox(start, { type: "ack", id: "c1", seq: 2 }, seen(1));
		expect(ackFirst.messages).toEqual([{ id: "c1", text: "hi", seq: 2 }]);
		const thenLine = settleOutbox(ackFirst, { type: "message", message: chatLine(2, "hi", "Ana") }, seen(2));
		expect(thenLine.messages).toEqual([]);

		// The line came first: the ack finds it shown, and the message leaves at once.
		const thenAck = settleOutbox(start, { type: "ack", id: "c1", seq: 2 }, seen(2));
		expect(thenAck.messages).toEqual([]);
	});

	it("keeps a change on its way until its own line arrives, so an edit never shows its old text in between", () => {
		const start = box([], [edit("e1", 1, "fixed")]);
		const acked = settleOutbox(start, { type: "ack", id: "e1", seq: 3 }, seen(2));
		expect(acked.changes).toEqual([{ ...edit("e1", 1, "fixed"), seq: 3 }]);
		const change = { seq: 3, id: "x", kind: "edit", name: "Ana", at: 0, target: 1, text: "fixed" } as const;
		expect(settleOutbox(acked, { type: "messages", messages: [change] }, seen(3)).changes).toEqual([]);
	});

	it("clears what was acknowledged before a drop once the welcome shows the room has it", () => {
		const acked = box(
			[
				{ id: "c1", text: "hi", seq: 2 },
				{ id: "c2", text: "later" },
			],
			[{ ...edit("e1", 1, "fixed"), seq: 3 }, edit("e2", 1, "again")],
		);
		const back = settleOutbox(acked, welcome(3), seen(3));
		expect(back.messages).toEqual([{ id: "c2", text: "later" }]);
		expect(back.changes).toEqual([edit("e2", 1, "again")]);
	});

	it("settles the ids a welcome says the room stored, as if their acks had come (version 8)", () => {
		const start = box(
			[
				{ id: "c1", text: "ack lost" },
				{ id: "c2", text: "never arrived" },
			],
			[edit("e1", 1, "x")],
		);
		const back = settleOutbox(
			start,
			welcome(9, {
				stored: [
					{ id: "c1", seq: 5 },
					{ id: "e1", seq: 6 },
				],
			}),
			seen(9),
		);
		expect(back).toEqual(box([{ id: "c2", text: "never arrived" }]));
	});

	it("settles the ids a refused name says the room stored, the others still waiting (version 8)", () => {
		const start = box([
			{ id: "c1", text: "ack lost", as: "Ana" },
			{ id: "c2", text: "never arrived", as: "Ana" },
		]);
		const refused: ServerMessage = {
			type: "error",
			code: "name_taken",
			reason: "taken",
			stored: [{ id: "c1", seq: 5 }],
		};
		// Line 5 is not held yet: the message waits for it (the next welcome resumes from before it).
		expect(settleOutbox(start, refused, seen(4)).messages).toEqual([
			{ id: "c1", text: "ack lost", as: "Ana", seq: 5 },
			{ id: "c2", text: "never arrived", as: "Ana" },
		]);
		expect(settleOutbox(start, refused, seen(5)).messages).toEqual([{ id: "c2", text: "never arrived", as: "Ana" }]);
	});

	it("marks a refused message with the room's reason, and takes a refused change out", () => {
		const start = box([{ id: "c1", text: "x" }], [edit("e1", 1, "y")]);
		const reason = "A message can be at most 2000 characters";
		const refused = settleOutbox(start, { type: "error", code: "invalid_message", reason, id: "c1" }, seen(1));
		expect(refused.messages).toEqual([{ id: "c1", text: "x", error: reason }]);
		const gone = settleOutbox(start, { type: "error", code: "not_yours", reason: "no", id: "e1" }, seen(1));
		expect(gone.changes).toEqual([]);
	});

	it("takes out what the room refuses for now (slow mode, a mute): its text goes back to the composer", () => {
		const start = box([{ id: "c1", text: "too soon" }], [edit("e1", 1, "also too soon")]);
		for (const code of ["slow_mode", "muted"] as const) {
			const afterSend = settleOutbox(start, { type: "error", code, reason: "wait", id: "c1" }, seen(1));
			expect(afterSend.messages).toEqual([]);
			const afterEdit = settleOutbox(start, { type: "error", code, reason: "wait", id: "e1" }, seen(1));
			expect(afterEdit.changes).toEqual([]);
		}
	});

	it("gives back the same outbox when a frame settles nothing, so that its readers do not re-render", () => {
		const start = box([{ id: "c1", text: "hi" }], [edit("e1", 1, "x")]);
		for (const msg of [
			{ type: "typing", name: "Bruno" },
			{ type: "message", message: chatLine(2) },
			{ type: "ack", id: "other", seq: 2 },
			{ type: "error", code: "rate_limited", reason: "wait", retryAfter: 1 },
			welcome(1),
		] satisfies ServerMessage[]) {
			expect(settleOutbox(start, msg, seen(2))).toBe(start);
		}
	});

	it("finds an acknowledged line among 5,000 with a binary search, not a scan", () => {
		const { messages } = seen(5000);
		let reads = 0;
		const counted = new Proxy(messages, {
			get(target, key, receiver) {
				if (typeof key === "string" && /^\d+$/.test(key)) reads++;
				return Reflect.get(target, key, receiver);
			},
		});
		const acked = settleOutbox(
			box([{ id: "c1", text: "hi" }]),
			{ type: "ack", id: "c1", seq: 5001 },
			{ lastSeq: 4990, messages: counted },
		);
		expect(acked.messages).toEqual([{ id: "c1", text: "hi", seq: 5001 }]);
		expect(reads).toBeLessThan(30);
	});
});

describe("the rules of the one way out", () => {
	it("has a rule for every frame a client may send but the join and the claim, which open the connection", () => {
		const types = ClientMessageSchema.options.map((o) => o.entries.type.literal);
		expect(Object.keys(RULES).sort()).toEqual(types.filter((t) => t !== "join" && t !== "claim").sort());
	});

	it("keeps on the device exactly what a person wrote or changed; refuses a moderator's act out loud", () => {
		const by = (keep: string) =>
			Object.entries(RULES)
				.filter(([, r]) => r.keep === keep)
				.map(([t]) => t)
				.sort();
		expect(by("device")).toEqual(["delete", "edit", "react", "send", "title"]);
		expect(by("latest")).toEqual(["audit", "moderation", "subscribe", "unsubscribe"]);
		expect(by("refuse")).toEqual(["ban", "clear_history", "demote", "kick", "lift", "link", "mute", "settings"]);
		expect(by("drop")).toEqual(["sync", "typing"]);
	});

	it("lets a frame go only while the page is in a room whose version knows it", () => {
		expect(mayGo(RULES.send, { online: true, version: 1 })).toBe(true);
		expect(mayGo(RULES.send, { online: false, version: 8 })).toBe(false);
		expect(mayGo(RULES.edit, { online: true, version: CHANGES_VERSION - 1 })).toBe(false);
		expect(mayGo(RULES.edit, { online: true, version: CHANGES_VERSION })).toBe(true);
		expect(mayGo(RULES.kick, { online: true, version: MODERATION_VERSION - 1 })).toBe(false);
		expect(mayGo(RULES.subscribe, { online: true, version: ATTENTION_VERSION - 1 })).toBe(false);
		expect(mayGo(RULES.subscribe, { online: true, version: ATTENTION_VERSION })).toBe(true);
	});
});
