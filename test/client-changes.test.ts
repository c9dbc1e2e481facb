/**
 * The client's fold of change lines (client/model/message-fold.ts, through
 * applyServerMessage): in seq order, once, into the room's state whatever
 * arrived first, without touching the online list or the gap logic.
 */
import { describe, expect, it } from "vitest";
import { addPage, applyChange } from "../client/model/message-fold";
import {
	applyServerMessage,
	fillHole,
	hasGap,
	initialRoomState,
	placeAround,
	prependHistory,
	type RoomState,
} from "../client/model/room-state";
import { CHANGES_VERSION, type Change, type ChatMessage, type Line, type ServerMessage } from "../protocol";
import { chatLine as chat } from "./chat-line";

const edit = (seq: number, target: number, text: string): Change => ({
	seq,
	id: `c-${seq}`,
	kind: "edit",
	name: "Bruno",
	at: 1_000 + seq,
	target,
	text,
});
const react = (seq: number, target: number, emoji: "👍" | "🎉", names: string[]): Change => ({
	seq,
	id: `c-${seq}`,
	kind: "react",
	name: names[0] ?? "Ana",
	at: 1_000 + seq,
	target,
	reaction: { emoji, names },
});
const del = (seq: number, target: number): Change => ({
	seq,
	id: `c-${seq}`,
	kind: "delete",
	name: "Bruno",
	at: 1_000 + seq,
	target,
	deleted: "sender",
});

function welcomed(messages: ChatMessage[], seq = messages.at(-1)?.seq ?? 0): RoomState {
	return applyServerMessage(
		initialRoomState("lobby"),
		{
			type: "welcome",
			version: CHANGES_VERSION,
			room: "lobby",
			name: "Ana",
			seq,
			messages,
			reset: true,
			hasMore: false,
			online: ["Ana", "Bruno"],
		},
		0,
	);
}
const live = (state: RoomState, ...lines: Line[]) =>
	applyServerMessage(
		state,
		lines.length === 1 ? { type: "message", message: lines[0] as Line } : { type: "messages", messages: lines },
		0,
	);

describe("folding changes", () => {
	it("applies an edit, reactions and a delete to the message they target, and counts their seqs", () => {
		const start = welcomed([chat(1), chat(2)]);
		let state = live(start, edit(3, 1, "fixed"), react(4, 1, "👍", ["Ana"]), react(5, 1, "🎉", ["Ana", "Carla"]));
		expect(state.messages[0]).toMatchObject({
			text: "fixed",
			edited: true,
			rev: 5,
			reactions: [
				{ emoji: "👍", names: ["Ana"] },
				{ emoji: "🎉", names: ["Ana", "Carla"] },
			],
		});
		state = live(state, react(6, 1, "👍", []));
		expect(state.messages[0]?.reactions).toEqual([{ emoji: "🎉", names: ["Ana", "Carla"] }]);
		state = live(state, del(7, 1));
		expect(state.messages[0]).toEqual({ ...chat(1, ""), deleted: "sender", rev: 7 });
		expect(state.lastSeq).toBe(7);
		expect(hasGap(state)).toBe(false);
		// Other messages are the same objects: a row that did not change need not render again.
		expect(state.messages[1]).toBe(start.messages[1]);
	});

	it("gives a reaction's message a new object and leaves the rest of the state as it was, so only that row renders again", () => {
		let state = welcomed([chat(1), chat(2), chat(3)]);
		state = applyServerMessage(state, { type: "typing", name: "Carla" }, 0);
		const before = state;
		state = live(state, react(4, 2, "👍", ["Carla"]));
		expect(state.messages[1]).not.toBe(before.messages[1]);
		expect(state.messages[0]).toBe(before.messages[0]);
		expect(state.messages[2]).toBe(before.messages[2]);
		expect(state.typing).toBe(before.typing);
		expect(state.online).toBe(before.online);
		expect(state.holes).toBe(before.holes);
	});

	it("keeps change lines out of the messages and the online list", () => {
		let state = welcomed([chat(1)]);
		state = live(state, react(2, 1, "👍", ["Carla"]));
		expect(state.messages.map((m) => m.seq)).toEqual([1]);
		expect(state.online).toEqual(["Ana", "Bruno"]);
	});

	it("notices a gap behind a change, applies nothing beyond it, and applies it once the gap is filled", () => {
		let state = welcomed([chat(1)]);
		state = live(state, edit(3, 1, "second edit"));
		expect(hasGap(state)).toBe(true);
		expect(state.messages[0]?.text).toBe("m1");
		state = applyServerMessage(
			state,
			{ type: "history", messages: [edit(2, 1, "second edit"), edit(3, 1, "second edit")] },
			0,
		);
		expect(hasGap(state)).toBe(false);
		expect(state.lastSeq).toBe(3);
		expect(state.messages[0]).toMatchObject({ text: "second edit", rev: 3 });
	});

	it("applies each change once: a change the message already reflects (its rev) is skipped", () => {
		const now = chat(1, "final", "Bruno", { edited: true, rev: 5 });
		expect(applyChange(now, edit(3, 1, "older"))).toBe(now);
		expect(applyChange(now, edit(5, 1, "older"))).toBe(now);
		expect(applyChange(now, edit(6, 1, "newer")).text).toBe("newer");
	});

	it("resumes with changes to messages it holds and to one it never saw", () => {
		let state = welcomed([chat(1, "typo")]);
		state = applyServerMessage(
			state,
			{
				type: "welcome",
				version: CHANGES_VERSION,
				room: "lobby",
				name: "Ana",
				seq: 4,
				messages: [edit(2, 1, "no typo"), chat(3, "", "Bruno", { deleted: "sender", rev: 4 }), del(4, 3)],
				reset: false,
				hasMore: false,
				online: ["Ana"],
			},
			0,
		);
		expect(state.messages.map((m) => [m.seq, m.text, m.deleted])).toEqual([
			[1, "no typo", undefined],
			[3, "", "sender"],
		]);
		expect(state.lastSeq).toBe(4);
	});

	it("updates the quote of replies when their original is edited or deleted", () => {
		let state = welcomed([
			chat(1, "meet at 5"),
			chat(2, "ok", "Ana", { replyTo: { seq: 1, name: "Bruno", text: "meet at 5" } }),
		]);
		state = live(state, edit(3, 1, "meet at 6"));
		expect(state.messages[1]?.replyTo).toEqual({ seq: 1, name: "Bruno", text: "meet at 6" });
		state = live(state, del(4, 1));
		expect(state.messages[1]?.replyTo).toEqual({ seq: 1 });
	});
});

describe("mentions and changes", () => {
	it("puts an edit's mentions in the message's place, takes them away with an edit that has none, and with a delete", () => {
		let state = welcomed([chat(1, "hi @Ana", "Bruno", { mentions: ["Ana"] }), chat(2)]);
		state = live(state, { ...edit(3, 1, "hi @Carla"), mentions: ["Carla"] });
		expect(state.messages[0]).toMatchObject({ text: "hi @Carla", mentions: ["Carla"] });
		state = live(state, edit(4, 1, "hi"));
		expect(state.messages[0]).not.toHaveProperty("mentions");
		state = live(state, { ...edit(5, 2, "now @Ana"), mentions: ["Ana"] }, del(6, 2));
		expect(state.messages[1]).toEqual({ ...chat(2, ""), deleted: "sender", rev: 6 });
	});

	it("leaves a message's mentions alone for a reaction", () => {
		const start = welcomed([chat(1, "hi @Ana", "Bruno", { mentions: ["Ana"] })]);
		expect(live(start, react(2, 1, "👍", ["Carla"])).messages[0]?.mentions).toEqual(["Ana"]);
	});
});

describe("pages and changes", () => {
	it("applies a change to a message not held once a page brings it in an older state", () => {
		let state = welcomed([chat(10)]);
		state = live(state, react(11, 3, "🎉", ["Ana"]));
		expect(state.lastSeq).toBe(11);
		// The page was read before the reaction.
		state = prependHistory(state, [chat(3)], false);
		expect(state.messages[0]).toMatchObject({ seq: 3, reactions: [{ emoji: "🎉", names: ["Ana"] }], rev: 11 });
	});

	it("keeps the later of two copies of a message: a page older than the socket's state loses", () => {
		let state = welcomed([chat(1), chat(2)]);
		state = live(state, edit(3, 1, "new"));
		state = prependHistory(state, [chat(1, "old")], false);
		expect(state.messages[0]?.text).toBe("new");
		expect(
			addPage({ messages: [chat(1, "x", "B", { rev: 3 })], lastSeq: 3, unheld: [] }, [chat(1, "y")]).messages[0]?.text,
		).toBe("x");
	});

	it("places a page around an old message apart from the held ones, with a hole between until it is filled", () => {
		let state = welcomed(Array.from({ length: 5 }, (_, i) => chat(400 + i)));
		state = placeAround(state, [chat(99), chat(100), chat(101)], true);
		expect(state.messages.map((m) => m.seq)).toEqual([99, 100, 101, 400, 401, 402, 403, 404]);
		expect(state.holes).toEqual([400]);
		expect(state.hasMore).toBe(true);
		// A page right below the hole that does not reach the island moves the hole down…
		state = fillHole(state, 400, [chat(300), chat(399)]);
		expect(state.holes).toEqual([300]);
		// …one that reaches it closes it.
		state = fillHole(state, 300, [chat(101), chat(200)]);
		expect(state.holes).toEqual([]);
		expect(state.hasMore).toBe(true);
	});
});

describe("the room's version", () => {
	it("remembers it from the welcome (1 when it says none)", () => {
		expect(welcomed([]).version).toBe(CHANGES_VERSION);
		const old = applyServerMessage(
			initialRoomState("lobby"),
			{
				type: "welcome",
				room: "lobby",
				name: "Ana",
				seq: 0,
				messages: [],
				reset: true,
				hasMore: false,
				online: [],
			} as ServerMessage,
			0,
		);
		expect(old.version).toBe(1);
	});
});
