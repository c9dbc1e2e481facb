import { describe, expect, it } from "vitest";
import { avatarColour, initials, linkParts } from "../client/format";
import {
	applyServerMessage,
	hasGap,
	initialRoomState,
	type RoomState,
	syncAfter,
	typingNames,
} from "../client/room-state";
import type { ChatMessage, ServerMessage } from "../protocol";

const line = (seq: number, text = `m${seq}`, name = "Bruno"): ChatMessage => ({
	seq,
	id: `id-${seq}`,
	kind: "chat",
	name,
	text,
	at: 1_000 + seq,
});

function welcomed(messages: ChatMessage[], seq = messages.at(-1)?.seq ?? 0): RoomState {
	return applyServerMessage(
		initialRoomState("lobby"),
		{ type: "welcome", room: "lobby", name: "Ana", seq, messages, reset: true, hasMore: false, online: ["Ana"] },
		0,
	);
}

describe("applyServerMessage", () => {
	it("shows each line once, in seq order, whatever order and how often it arrives", () => {
		let state = welcomed([line(1), line(2)]);
		for (const seq of [4, 3, 3, 2, 5, 4]) state = applyServerMessage(state, { type: "message", message: line(seq) }, 0);
		expect(state.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
		expect(state.lastSeq).toBe(5);
	});

	it("takes a batch of lines like single ones", () => {
		let state = welcomed([line(1)]);
		state = applyServerMessage(state, { type: "messages", messages: [line(2), line(3)] }, 0);
		state = applyServerMessage(state, { type: "message", message: line(3) }, 0);
		expect(state.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
		expect(state.lastSeq).toBe(3);
	});

	it("notices a gap and closes it when the missing lines come", () => {
		let state = welcomed([line(1)]);
		state = applyServerMessage(state, { type: "message", message: line(3) }, 0);
		expect(hasGap(state)).toBe(true);
		expect(state.lastSeq).toBe(1);
		state = applyServerMessage(state, { type: "history", messages: [line(2), line(3)] }, 0);
		expect(hasGap(state)).toBe(false);
		expect(state.lastSeq).toBe(3);
	});

	it("continues from a resumed welcome without a reset, and replaces everything on a reset", () => {
		const state = welcomed([line(1), line(2)]);
		const resumed = applyServerMessage(
			state,
			{
				type: "welcome",
				room: "lobby",
				name: "Ana",
				seq: 4,
				messages: [line(3), line(4)],
				reset: false,
				hasMore: false,
				online: [],
			},
			0,
		);
		expect(resumed.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
		const reset = applyServerMessage(
			state,
			{
				type: "welcome",
				room: "lobby",
				name: "Ana",
				seq: 90,
				messages: [line(90)],
				reset: true,
				hasMore: true,
				online: [],
			},
			0,
		);
		expect(reset.messages.map((m) => m.seq)).toEqual([90]);
		expect(reset.lastSeq).toBe(90);
	});

	it("asks for the rest of a resume that came in part, page after page, until it is whole", () => {
		const state = welcomed([line(1), line(2)]);
		// The room had 10 lines but sent what fit in one reply.
		const welcome: ServerMessage = {
			type: "welcome",
			room: "lobby",
			name: "Ana",
			seq: 10,
			messages: [line(3), line(4)],
			reset: false,
			hasMore: false,
			online: [],
		};
		let after = applyServerMessage(state, welcome, 0);
		expect(after.lastSeq).toBe(4);
		expect(hasGap(after)).toBe(true);
		expect(syncAfter(state, after, welcome)).toBe(4);
		let before = after;
		const page: ServerMessage = { type: "history", messages: [line(5), line(6), line(7)] };
		after = applyServerMessage(before, page, 0);
		expect(syncAfter(before, after, page)).toBe(7);
		// A live line meanwhile asks for nothing more: a sync is already on its way.
		before = after;
		const live: ServerMessage = { type: "message", message: line(11) };
		after = applyServerMessage(before, live, 0);
		expect(syncAfter(before, after, live)).toBeUndefined();
		before = after;
		const last: ServerMessage = { type: "history", messages: [line(8), line(9), line(10), line(11)] };
		after = applyServerMessage(before, last, 0);
		expect(syncAfter(before, after, last)).toBeUndefined();
		expect(after.lastSeq).toBe(11);
		expect(after.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
	});

	it("asks again on a new connection's welcome even when a gap was already open on the old one", () => {
		let state = welcomed([line(1)]);
		state = applyServerMessage(state, { type: "message", message: line(5) }, 0);
		expect(hasGap(state)).toBe(true);
		// The connection dropped before the history came; the new one's welcome resumes from 1 in part.
		const welcome: ServerMessage = {
			type: "welcome",
			room: "lobby",
			name: "Ana",
			seq: 9,
			messages: [line(2), line(3)],
			reset: false,
			hasMore: false,
			online: [],
		};
		const after = applyServerMessage(state, welcome, 0);
		expect(syncAfter(state, after, welcome)).toBe(3);
	});

	it("keeps a sent message pending until the room's line with its seq arrives, in either order", () => {
		const start = { ...welcomed([line(1)]), pending: [{ id: "c1", text: "hi" }] };
		const ackFirst = applyServerMessage(start, { type: "ack", id: "c1", seq: 2 }, 0);
		expect(ackFirst.pending).toEqual([{ id: "c1", text: "hi", seq: 2 }]);
		const thenLine = applyServerMessage(ackFirst, { type: "message", message: line(2, "hi", "Ana") }, 0);
		expect(thenLine.pending).toEqual([]);

		const lineFirst = applyServerMessage(start, { type: "message", message: line(2, "hi", "Ana") }, 0);
		const thenAck = applyServerMessage(lineFirst, { type: "ack", id: "c1", seq: 2 }, 0);
		expect(thenAck.pending).toEqual([]);
		expect(thenAck.messages.map((m) => m.text)).toEqual(["m1", "hi"]);
	});

	it("keeps the online list from the welcome, then from the join and leave lines after it only", () => {
		const join = (seq: number, name: string): ChatMessage => ({
			...line(seq, `${name} joined the chat`, name),
			kind: "join",
		});
		const leave = (seq: number, name: string): ChatMessage => ({
			...line(seq, `${name} left the chat`, name),
			kind: "leave",
		});
		let state = applyServerMessage(
			initialRoomState("lobby"),
			{
				type: "welcome",
				room: "lobby",
				name: "Ana",
				seq: 10,
				messages: [join(9, "Bruno")],
				reset: true,
				hasMore: false,
				online: ["Ana", "Bruno"],
			},
			0,
		);
		// A line from before the welcome's snapshot, filled in late, changes nothing.
		state = applyServerMessage(state, { type: "history", messages: [leave(8, "Carla")] }, 0);
		expect(state.online).toEqual(["Ana", "Bruno"]);
		state = applyServerMessage(state, { type: "message", message: join(11, "Carla") }, 0);
		expect(state.online).toEqual(["Ana", "Bruno", "Carla"]);
		state = applyServerMessage(state, { type: "message", message: leave(12, "Bruno") }, 0);
		expect(state.online).toEqual(["Ana", "Carla"]);
	});

	it("clears a send acknowledged before a drop once the welcome shows the room has it", () => {
		const acked = {
			...welcomed([line(1)]),
			pending: [
				{ id: "c1", text: "hi", seq: 2 },
				{ id: "c2", text: "later" },
			],
		};
		const back = applyServerMessage(
			acked,
			{
				type: "welcome",
				room: "lobby",
				name: "Ana",
				seq: 2,
				messages: [line(2, "hi", "Ana")],
				reset: false,
				hasMore: false,
				online: ["Ana"],
			},
			0,
		);
		expect(back.pending).toEqual([{ id: "c2", text: "later" }]);
		expect(back.messages.map((m) => m.text)).toEqual(["m1", "hi"]);
	});

	it("marks a refused send with the room's reason", () => {
		const start = { ...welcomed([]), pending: [{ id: "c1", text: "x" }] };
		const refused = applyServerMessage(
			start,
			{ type: "error", code: "invalid_message", reason: "A message can be at most 2000 characters", id: "c1" },
			0,
		);
		expect(refused.pending[0]?.error).toBe("A message can be at most 2000 characters");
	});

	it("shows typing for a few seconds, not for oneself, and clears it when that person's message arrives", () => {
		let state = welcomed([]);
		state = applyServerMessage(state, { type: "typing", name: "Bruno" }, 1000);
		state = applyServerMessage(state, { type: "typing", name: "Ana" }, 1000);
		expect(typingNames(state, 2000)).toEqual(["Bruno"]);
		expect(typingNames(state, 7000)).toEqual([]);
		state = applyServerMessage(state, { type: "message", message: line(1, "done", "Bruno") }, 1500);
		expect(typingNames(state, 2000)).toEqual([]);
	});
});

describe("message formatting", () => {
	it("splits links out of text, leaving trailing punctuation and non-http schemes as text", () => {
		expect(linkParts("see https://a.io/x?y=1. or javascript:alert(1)")).toEqual([
			{ kind: "text", text: "see " },
			{ kind: "link", text: "https://a.io/x?y=1", href: "https://a.io/x?y=1" },
			{ kind: "text", text: ". or javascript:alert(1)" },
		]);
		expect(linkParts("no links here")).toEqual([{ kind: "text", text: "no links here" }]);
	});

	it("makes initials and a stable colour from a name", () => {
		expect(initials("Ada Lovelace")).toBe("AL");
		expect(initials("zé")).toBe("Z");
		expect(initials("  maria da silva ")).toBe("MS");
		expect(avatarColour("Ana")).toBe(avatarColour("ana"));
		expect(avatarColour("Ana")).toBeGreaterThanOrEqual(0);
		expect(avatarColour("Ana")).toBeLessThan(12);
	});
});
