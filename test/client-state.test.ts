import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	AVATAR_COLOURS,
	avatarColour,
	dayKey,
	dayLabel,
	distinctColours,
	initials,
	linkParts,
	shortTimeOf,
	timeOf,
} from "../client/model/format";
import {
	around,
	earlier,
	FOLLOW,
	hold,
	later,
	type MessageWindow,
	WINDOW_MAX,
	WINDOW_ROWS,
	WINDOW_STEP,
	windowRange,
} from "../client/model/message-window";
import { foldPresence, nameList } from "../client/model/presence-lines";
import {
	applyServerMessage,
	hasGap,
	initialRoomState,
	prependHistory,
	type RoomState,
	syncAfter,
	typingNames,
} from "../client/model/room-state";
import { roomTitle } from "../client/shell/room-name";
import type { Change, ChatMessage, ServerMessage } from "../protocol";
import { chatLine as line } from "./chat-line";

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

	it("shows a message a moderator deleted as deleted by a moderator, live or on resume, and leaves the online list alone", () => {
		const deletion = (seq: number, target: number): Change => ({
			seq,
			id: `id-${seq}`,
			kind: "delete",
			name: "Carla",
			at: 1_000 + seq,
			target,
			deleted: "moderator",
		});
		let state = welcomed([line(1, "vile"), line(2, "fine")]);
		const untouched = state.messages[1];
		state = applyServerMessage(state, { type: "message", message: deletion(3, 1) }, 0);
		expect(state.messages[0]).toMatchObject({ seq: 1, text: "", deleted: "moderator" });
		expect(state.messages[1]).toBe(untouched);
		expect(state.online).toEqual(["Ana"]);
		expect(state.lastSeq).toBe(3);

		// A page that was away resumes with the deletion in its welcome.
		const resumed = applyServerMessage(
			welcomed([line(1, "vile"), line(2, "fine")]),
			{
				type: "welcome",
				room: "lobby",
				name: "Ana",
				seq: 3,
				messages: [deletion(3, 2)],
				reset: false,
				hasMore: false,
				online: ["Ana"],
			},
			0,
		);
		expect(resumed.messages.map((m) => [m.text, m.deleted])).toEqual([
			["vile", undefined],
			["", "moderator"],
		]);
	});

	it("drops every line before a cleared line, and offers no older page", () => {
		let state = welcomed([line(1), line(2)]);
		state = { ...state, hasMore: true };
		const cleared: ChatMessage = { ...line(3, "The history was cleared by a moderator"), kind: "cleared", name: "" };
		state = applyServerMessage(state, { type: "message", message: cleared }, 0);
		expect(state.messages.map((m) => m.seq)).toEqual([3]);
		expect(state.hasMore).toBe(false);
		expect(state.online).toEqual(["Ana"]);
		state = applyServerMessage(state, { type: "message", message: line(4) }, 0);
		expect(state.messages.map((m) => m.seq)).toEqual([3, 4]);
		expect(state.lastSeq).toBe(4);
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

describe("a long conversation", () => {
	const history = (count: number, from = 1) => Array.from({ length: count }, (_, i) => line(from + i));

	it("leaves the parts of the state a line does not change as they were, so that their readers do not re-render", () => {
		let state = welcomed(history(100));
		state = applyServerMessage(state, { type: "typing", name: "Carla" }, 0);
		const before = state;
		state = applyServerMessage(state, { type: "message", message: line(101) }, 0);
		expect(state.typing).toBe(before.typing);
		expect(state.online).toBe(before.online);
		const typed = applyServerMessage(state, { type: "typing", name: "Carla" }, 0);
		expect(typed.messages).toBe(state.messages);
	});

	it("puts an older page in front and merges a batch that overlaps what it holds, each line once", () => {
		let state = welcomed(history(50, 101));
		state = prependHistory(state, history(50, 51), true);
		state = prependHistory(state, history(60, 1), false);
		state = applyServerMessage(state, { type: "messages", messages: [line(149), line(151), line(150)] }, 0);
		expect(state.messages.map((m) => m.seq)).toEqual(Array.from({ length: 151 }, (_, i) => i + 1));
		expect(state.lastSeq).toBe(151);
	});

	it("mounts the newest lines, moves a bounded run up to the first line and back down, and follows again", () => {
		const lines = history(5000);
		const rows = (w: MessageWindow) => {
			const [from, to] = windowRange(lines, w);
			return { from, to, count: to - from };
		};
		expect(rows(FOLLOW)).toEqual({ from: 5000 - WINDOW_ROWS, to: 5000, count: WINDOW_ROWS });

		// Scrolled up: held where it is, new lines below up to a bound.
		let w = hold(lines, windowRange(lines, FOLLOW));
		const more = [...lines, ...history(500, 5001)];
		expect(windowRange(more, w)).toEqual([5000 - WINDOW_ROWS, 5000 - WINDOW_ROWS + WINDOW_MAX]);

		// Up to the first line, a step at a time, never more than WINDOW_MAX rows.
		let steps = 0;
		for (let next = earlier(lines, windowRange(lines, w)); next; next = earlier(lines, windowRange(lines, w))) {
			w = next;
			steps++;
			expect(rows(w).count).toBeLessThanOrEqual(WINDOW_MAX);
		}
		expect(rows(w).from).toBe(0);
		expect(steps).toBeLessThan(5000 / 40);

		// Back down to the newest line, then following.
		for (let next = later(lines, windowRange(lines, w)); next; next = later(lines, windowRange(lines, w))) {
			w = next;
			expect(rows(w).count).toBeLessThanOrEqual(WINDOW_MAX);
		}
		expect(rows(w).to).toBe(5000);
		expect(w.bottom).toBeNull();
	});

	it("mounts the run around a line far from the rows shown, for a jump to it", () => {
		const lines = history(5000);
		const w = around(lines, 1000);
		const [from, to] = windowRange(lines, w);
		expect(from).toBe(1000 - WINDOW_STEP);
		expect(to).toBe(1000 + WINDOW_STEP + 1);
		// Near either end, the run stops at the first line and follows at the newest.
		expect(windowRange(lines, around(lines, 3))[0]).toBe(0);
		expect(around(lines, 4990).bottom).toBeNull();
	});

	it("keeps a held run where it is when an older page goes in front", () => {
		const lines = history(100, 51);
		const w = hold(lines, [0, 100]);
		const withPage = [...history(50, 1), ...lines];
		expect(windowRange(withPage, w)).toEqual([50, 150]);
		expect(earlier(withPage, [50, 150])).toEqual({ top: 1, bottom: null });
	});
});

describe("message formatting", () => {
	it("names a line's day: today, yesterday, or the date in full", () => {
		const now = new Date(2026, 10, 25, 9, 30).getTime();
		expect(dayKey(new Date(2026, 10, 25, 0, 1).getTime())).toBe(dayKey(new Date(2026, 10, 25, 23, 59).getTime()));
		expect(dayKey(new Date(2026, 10, 24, 23, 59).getTime())).not.toBe(dayKey(now));
		expect(dayLabel(new Date(2026, 10, 25, 8, 0).getTime(), now)).toBe("Today");
		expect(dayLabel(new Date(2026, 10, 24, 23, 0).getTime(), now)).toBe("Yesterday");
		expect(dayLabel(new Date(2026, 0, 1, 12, 0).getTime(), now)).toBe(
			new Date(2026, 0, 1, 12, 0).toLocaleDateString(undefined, {
				weekday: "long",
				year: "numeric",
				month: "long",
				day: "numeric",
			}),
		);
	});

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
		expect(avatarColour("Ana")).toBeLessThan(AVATAR_COLOURS);
	});
});

describe("room state beyond messages", () => {
	const titleLine = (seq: number, text: string): ChatMessage => ({ ...line(seq, text, "Ana"), kind: "title" });

	it("keeps the title from the welcome, then from title lines after it, and never counts them as presence", () => {
		let state = applyServerMessage(
			initialRoomState("r"),
			{
				type: "welcome",
				room: "r",
				name: "Ana",
				seq: 5,
				messages: [],
				reset: true,
				hasMore: false,
				online: ["Ana", "Bruno"],
				title: "Old",
				canSetTitle: true,
			},
			0,
		);
		expect(state.title).toEqual({ text: "Old", seq: 5, mine: true });
		// An older title line, loaded late, does not undo a newer title.
		state = applyServerMessage(state, { type: "history", messages: [titleLine(3, "Older")] }, 0);
		expect(state.title.text).toBe("Old");
		state = applyServerMessage(state, { type: "message", message: titleLine(6, "New") }, 0);
		expect(state.title.text).toBe("New");
		expect(state.online).toEqual(["Ana", "Bruno"]);
		// A kind this client does not know changes nothing either.
		const unknown = { ...line(7, "?", "Bruno"), kind: "reaction" } as unknown as ChatMessage;
		state = applyServerMessage(state, { type: "message", message: unknown }, 0);
		expect(state.online).toEqual(["Ana", "Bruno"]);
	});

	it("calls a private room by its title, else 'Private room', and any other room by its name", () => {
		expect(roomTitle("TMf8guVYq3XkP0dLr7Zb2w", null)).toBe("Private room");
		expect(roomTitle("TMf8guVYq3XkP0dLr7Zb2w", "Weekend hike")).toBe("Weekend hike");
		expect(roomTitle("team", null)).toBe("team");
	});
});

describe("quiet presence", () => {
	const join = (seq: number, name: string): ChatMessage => ({
		...line(seq, `${name} joined the chat`, name),
		kind: "join",
	});
	const leave = (seq: number, name: string): ChatMessage => ({
		...line(seq, `${name} left the chat`, name),
		kind: "leave",
	});

	it("folds a run into who is here and who has gone, each person once, by what they did last", () => {
		expect(foldPresence([join(1, "Ana"), join(2, "Bruno"), leave(3, "Ana"), join(4, "Carla")])).toEqual({
			joined: ["Bruno", "Carla"],
			left: ["Ana"],
		});
		// Gone and back within the run: here.
		expect(foldPresence([leave(1, "Ana"), join(2, "Ana")])).toEqual({ joined: ["Ana"], left: [] });
	});

	it("names up to three people, then the first two and how many others", () => {
		const text = (names: string[]) =>
			nameList(names)
				.map((p) => (typeof p === "string" ? p : `[${p.name}]`))
				.join("");
		expect(text(["Ana"])).toBe("[Ana]");
		expect(text(["Ana", "Bruno"])).toBe("[Ana] and [Bruno]");
		expect(text(["Ana", "Bruno", "Carla"])).toBe("[Ana], [Bruno] and [Carla]");
		expect(text(["Ana", "Bruno", "Carla", "Dora", "Eve"])).toBe("[Ana], [Bruno] and 3 others");
	});
});

describe("avatar colours and times", () => {
	it("gives everyone in a room a different colour while there are colours enough", () => {
		fc.assert(
			fc.property(
				fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: AVATAR_COLOURS }),
				(names) => {
					const colours = distinctColours(names);
					expect(new Set(names.map((n) => colours.get(n))).size).toBe(names.length);
				},
			),
		);
		// Whoever's own colour is free keeps it, whoever else arrives.
		const alone = avatarColour("Dora");
		expect(distinctColours(["Ana Maria", "Dora", "Zed"]).get("Dora")).toBe(alone);
	});

	it("writes times without a leading zero", () => {
		const threeAm = new Date(2026, 0, 2, 3, 7).getTime();
		expect(timeOf(threeAm)).toMatch(/^3:07/);
		expect(shortTimeOf(threeAm)).toBe("3:07");
	});
});
