/**
 * Property-based fuzzing with fast-check against a real room in workerd.
 * Several hostile clients at once send random, mutated and malformed frames
 * while well-behaved clients talk. The invariants:
 *  - every hostile frame gets the answer the protocol promises, in order (so
 *    no exception escaped the Durable Object: that would be a missing answer
 *    or a dropped connection). The expected answer comes from the generator,
 *    which builds each frame knowing what it should get (a valid value, or
 *    one chosen defect), never from the parser under test;
 *  - well-behaved clients stay connected, get no errors, and receive every
 *    line of the room, gap-free and in order;
 *  - stored history is exactly what they received.
 * Seeded, so a failure replays; fast-check prints the seed and the path.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ErrorCode, HEARTBEAT, LIMITS, type Line, REACTIONS, type ServerMessage } from "../protocol";
import { MessageStore } from "../worker/store/messages";
import { newRoom, SocketClosed, TestClient } from "./ws-client";

const SEED = 0x5eed_2026;
const RUNS = 200;

/** A frame over the size limit, made into text only when sent, so that a failure report stays readable. */
class Oversized {
	constructor(readonly bytes: number) {}
	toString() {
		return `Oversized(${this.bytes})`;
	}
}

/**
 * What a frame must get, as its generator knows it. A frame refused whatever
 * the socket's state has its code; a well-formed one's answer depends on
 * whether the socket has joined (the model in expectAnswers keeps that).
 */
type Answer =
	| { refused: ErrorCode; id?: string }
	/** A well-formed join: a fresh name is welcomed, a good client's name (however written) is taken. */
	| { join: "fresh" | "taken" }
	| { send: string }
	/**
	 * A change (edit, delete, react) or a reply, about a random seq: acked with
	 * its id, or refused by the room's rules (TARGET_CODES), with its id.
	 */
	| { change: string }
	/** A well-formed title: refused not_creator with its id, since the room is a good client's (Ana's). */
	| { title: string }
	| { typing: true }
	| { sync: true }
	/** Over the size limit: the socket is closed with 1009. */
	| { closes: true }
	/** The heartbeat: answered "pong" by the runtime, outside the frames. */
	| { pong: true };

/** A frame and its answer. A fresh join's name gets the run and socket appended when sent, so that it is fresh. */
interface Case {
	frame: Record<string, unknown> | string | ArrayBuffer | Oversized;
	answer: Answer;
}

const KNOWN_TYPES = ["join", "send", "typing", "sync", "title", "edit", "delete", "react"];

/** What a reply or a change may be refused with: the room's rules about the message it is about. */
const TARGET_CODES: ErrorCode[] = ["unknown_message", "not_yours", "message_deleted", "reactions_full"];

// ---- Values, valid or with a known defect -------------------------------------

const token = (min: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${min},64}$`));
/** Never a token: too long, empty or short, or holding a character a token may not. */
const badToken = (min: number) =>
	fc.oneof(
		fc.constantFrom("", "has space", "dot.ted", "é-accent", "x".repeat(65)),
		min > 1 ? fc.stringMatching(new RegExp(`^[a-z]{1,${min - 1}}$`)) : fc.constant("x/y"),
	);
/** JSON values that are not strings. */
const notText = fc.oneof(
	fc.integer(),
	fc.boolean(),
	fc.constant(null),
	fc.array(fc.nat(), { maxLength: 3 }),
	fc.constant({}),
);

const seq = fc.oneof(fc.nat({ max: 2000 }), fc.constantFrom(0, Number.MAX_SAFE_INTEGER));
const badSeq = fc.oneof(
	fc.integer({ min: -1_000_000, max: -1 }),
	fc.constantFrom(1.5, 2 ** 60, Number.MAX_SAFE_INTEGER + 2),
	fc.string({ maxLength: 5 }),
	fc.constant(null),
);

/** Name templates with no space at either end, short enough to take " run.socket" after them. */
const freshName = fc.oneof(
	fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._'-]{0,20}$/),
	fc.constantFrom(
		"Zoë",
		"Ｊｏｅ",
		"ﬁona",
		"<img src=x onerror=alert(1)>".slice(0, 21),
		"__proto__",
		"李小龍",
		"😀 smile",
	),
);
/** A good client's name, written otherwise: the same name to the room, so taken. */
const takenName = fc.constantFrom("ana", "ANA", "Ａｎａ", " Bruno", "carla ", "DAVI", "ＥＬＩＳ");
/**
 * Names the room must refuse: empty, too long, or hiding a character: a
 * control, format or separator character, one drawn as nothing (a
 * default-ignorable code point, the braille blank, a Hangul filler), or a
 * lone UTF-16 surrogate (SQLite would store it as other bytes).
 */
const badName = fc.oneof(
	fc.constantFrom("", "   ", " \t "),
	fc.integer({ min: LIMITS.nameMax + 1, max: 60 }).map((n) => "n".repeat(n)),
	fc
		.tuple(
			fc.stringMatching(/^[A-Za-z]{1,10}$/),
			fc.constantFrom(
				...["\u0000", "\u0007", "\n", "\t", "\u200B", "\u00AD", "\u202E", "\u2066", "\uFEFF", "\u2028"],
				...["\u034F", "\uFE00", "\uFE0F", "\u{E0100}", "\u{E0041}", "\u17B5", "\u180B", "\u2800", "\u3164", "\u115F"],
				...["\ud800", "\udbff", "\udc00", "\udfff"],
			),
			fc.stringMatching(/^[A-Za-z]{1,10}$/),
		)
		.map(([a, hidden, b]) => `${a}${hidden}${b}`),
	notText,
);

/**
 * Long texts of multi-byte characters within the limit, and texts with lone
 * UTF-16 surrogates, which the room stores with each one as U+FFFD.
 */
const multiByteText = fc.oneof(
	fc
		.tuple(
			fc.constantFrom("é", "€", "😀", "👩‍💻", "\u{1F1F5}\u{1F1F9}"),
			fc.integer({ min: 300, max: LIMITS.messageMax }),
		)
		.map(([unit, n]) => unit.repeat(Math.floor(n / unit.length))),
	fc
		.tuple(
			fc.stringMatching(/^[!-~]{1,20}$/),
			fc.integer({ min: 0xd800, max: 0xdfff }),
			fc.stringMatching(/^[ -~]{0,20}$/),
		)
		.map(([a, unit, b]) => `${a}${String.fromCharCode(unit)}${b}`),
);
/** Text the room stores: something visible within the length limit. */
const goodText = fc.oneof(
	multiByteText,
	fc.stringMatching(/^[!-~][ -~]{0,199}$/),
	fc.constantFrom(
		"<script>alert(1)</script>",
		"'); DROP TABLE messages;--",
		"é".repeat(LIMITS.messageMax),
		"first\r\nsecond",
		"bidi \u202Eoverride\u202C stripped",
		"  padded  ",
	),
);
/** Room titles the room refuses: empty, too long, hiding a character, or not text. */
const badTitle = fc.oneof(
	fc.constantFrom("", "   ", "Team\u202Emoor", "Hike\u200B"),
	fc.integer({ min: LIMITS.titleMax + 1, max: LIMITS.titleMax + 20 }).map((n) => "t".repeat(n)),
	notText,
);
/** Text the room refuses: empty once stripped and trimmed, too long, or not text. */
const badText = fc.oneof(
	fc.constantFrom("", " \n\t ", "\u0000\u202E", "\u0007"),
	fc.integer({ min: LIMITS.messageMax + 1, max: LIMITS.messageMax + 50 }).map((n) => "é".repeat(n)),
	notText,
);

// ---- Frames ----------------------------------------------------------------------

const join = fc.record({ name: freshName, user: token(8), since: fc.option(seq, { nil: undefined }) });

/** Well-formed frames with valid contents. */
const wellFormed: fc.Arbitrary<Case> = fc.oneof(
	join.map(({ name, user, since }) => ({
		frame: { type: "join", name, user, ...(since !== undefined && { since }) },
		answer: { join: "fresh" as const },
	})),
	fc
		.record({ name: takenName, user: token(8) })
		.map(({ name, user }) => ({ frame: { type: "join", name, user }, answer: { join: "taken" as const } })),
	fc.record({ id: token(1), text: goodText }).map(({ id, text }) => ({
		frame: { type: "send", id, text },
		answer: { send: id },
	})),
	fc.constant({ frame: { type: "typing" }, answer: { typing: true as const } }),
	seq.map((since) => ({ frame: { type: "sync", since }, answer: { sync: true as const } })),
	fc.record({ id: token(1), text: goodText, replyTo: seq }).map((f) => ({
		frame: { type: "send", ...f },
		answer: { change: f.id },
	})),
	fc.record({ id: token(1), seq, text: goodText }).map((f) => ({
		frame: { type: "edit", ...f },
		answer: { change: f.id },
	})),
	fc.record({ id: token(1), seq }).map((f) => ({ frame: { type: "delete", ...f }, answer: { change: f.id } })),
	fc.record({ id: token(1), seq, emoji: fc.constantFrom(...REACTIONS), on: fc.boolean() }).map((f) => ({
		frame: { type: "react", ...f },
		answer: { change: f.id },
	})),
	fc.record({ id: token(1), text: freshName }).map(({ id, text }) => ({
		frame: { type: "title", id, text },
		answer: { title: id },
	})),
);

/** The id the room names in its answer to a frame, refused or not: a send's, a change's or a title's, when valid. */
const idOf = (c: Case) => {
	const a = c.answer;
	return "send" in a ? a.send : "change" in a ? a.change : "title" in a ? a.title : undefined;
};

/** A well-formed frame with exactly one defect, and the code that defect must get. */
const defective: fc.Arbitrary<Case> = fc.oneof(
	// One field with a bad value.
	fc.record({ name: badName, user: token(8) }).map(({ name, user }) => ({
		frame: { type: "join", name, user },
		answer: { refused: "invalid_name" as const },
	})),
	fc.record({ name: freshName, user: badToken(8) }).map(({ name, user }) => ({
		frame: { type: "join", name, user },
		answer: { refused: "invalid_frame" as const },
	})),
	fc.record({ name: freshName, user: token(8), since: badSeq }).map((frame) => ({
		frame: { type: "join", ...frame },
		answer: { refused: "invalid_frame" as const },
	})),
	fc.record({ id: token(1), text: badText }).map(({ id, text }) => ({
		frame: { type: "send", id, text },
		answer: { refused: "invalid_message" as const, id },
	})),
	fc.record({ id: fc.oneof(badToken(1), notText), text: goodText }).map(({ id, text }) => ({
		frame: { type: "send", id, text },
		answer: { refused: "invalid_frame" as const },
	})),
	badSeq.map((since) => ({ frame: { type: "sync", since }, answer: { refused: "invalid_frame" as const } })),
	fc.record({ id: token(1), seq, text: badText }).map((f) => ({
		frame: { type: "edit", ...f },
		answer: { refused: "invalid_message" as const, id: f.id },
	})),
	fc.record({ id: token(1), seq: badSeq, type: fc.constantFrom("delete", "edit", "react") }).map((f) => ({
		frame: { emoji: "👍", on: true, text: "x", ...f },
		answer: { refused: "invalid_frame" as const, id: f.id },
	})),
	fc
		.record({
			id: token(1),
			seq,
			emoji: fc.oneof(fc.constantFrom("🍕", "👍🏽", "", ":+1:", "❤"), notText),
			on: fc.boolean(),
		})
		.map((f) => ({ frame: { type: "react", ...f }, answer: { refused: "invalid_frame" as const, id: f.id } })),
	fc.record({ id: token(1), seq, on: fc.oneof(fc.constantFrom("toggle", 1, 0), fc.constant(null)) }).map((f) => ({
		frame: { type: "react", emoji: "👀", ...f },
		answer: { refused: "invalid_frame" as const, id: f.id },
	})),
	fc.record({ id: token(1), text: badTitle }).map(({ id, text }) => ({
		frame: { type: "title", id, text },
		answer: { refused: "invalid_title" as const, id },
	})),
	// A required field missing.
	fc.constantFrom(
		{ frame: { type: "join", user: "user-12345678" }, answer: { refused: "invalid_frame" as const } },
		{ frame: { type: "join", name: "Nobody" }, answer: { refused: "invalid_frame" as const } },
		{ frame: { type: "send", text: "no id" }, answer: { refused: "invalid_frame" as const } },
		{ frame: { type: "send", id: "no-text" }, answer: { refused: "invalid_frame" as const, id: "no-text" } },
		{ frame: { type: "sync" }, answer: { refused: "invalid_frame" as const } },
		{ frame: { type: "title", id: "no-text" }, answer: { refused: "invalid_frame" as const, id: "no-text" } },
	),
	// A field no frame has (a sender, a time, a seq the client would like to choose).
	fc
		.tuple(wellFormed, fc.constantFrom("x_name", "sender", "at", "seq", "kind", "admin"), fc.jsonValue())
		.filter(
			([c, key]) =>
				typeof c.frame === "object" &&
				!(c.frame instanceof ArrayBuffer) &&
				!(c.frame instanceof Oversized) &&
				!(key in c.frame),
		)
		.map(([c, key, value]) => {
			const frame = { ...(c.frame as Record<string, unknown>), [key]: value };
			const id = idOf(c);
			return { frame, answer: { refused: "invalid_frame" as const, ...(id !== undefined && { id }) } };
		}),
	// A type no client frame has, or none at all.
	fc
		.tuple(
			wellFormed,
			fc.oneof(
				fc.string({ maxLength: 10 }).filter((t) => !KNOWN_TYPES.includes(t)),
				notText,
			),
		)
		.map(([c, type]) => {
			const frame = { ...(c.frame as Record<string, unknown>), type };
			const id = idOf(c);
			return { frame, answer: { refused: "unknown_type" as const, ...(id !== undefined && { id }) } };
		}),
	wellFormed.map((c) => {
		const { type: _, ...rest } = c.frame as Record<string, unknown>;
		const id = idOf(c);
		return { frame: rest, answer: { refused: "unknown_type" as const, ...(id !== undefined && { id }) } };
	}),
);

/**
 * JSON text that cannot parse, by construction: a proper prefix of an
 * object's text (its closing brace is always missing), or a character that
 * JSON allows nowhere put between two of its tokens.
 */
const notJson: fc.Arbitrary<Case> = fc.oneof(
	fc.tuple(wellFormed, fc.nat()).map(([c, at]) => {
		const text = JSON.stringify(c.frame);
		return { frame: text.slice(0, at % text.length), answer: { refused: "bad_json" as const } };
	}),
	fc.tuple(wellFormed, fc.constantFrom("#", "'", ";", "=", "x")).map(([c, junk]) => ({
		frame: JSON.stringify(c.frame).replace(":", `:${junk}`),
		answer: { refused: "bad_json" as const },
	})),
	fc
		.tuple(fc.constantFrom("x", "#", "<", "'", "undefined", "NaN", "{'a':1}"), fc.string({ maxLength: 40 }))
		.map(([start, rest]) => ({ frame: start + rest, answer: { refused: "bad_json" as const } })),
);

/** JSON that parses but is no frame object: a value of another kind, or an object without a type. */
const notAFrame: fc.Arbitrary<Case> = fc
	.oneof(
		fc.oneof(
			fc.integer(),
			fc.double({ noNaN: true, noDefaultInfinity: true }),
			fc.string(),
			fc.boolean(),
			fc.constant(null),
		),
		fc.array(fc.jsonValue(), { maxLength: 4 }),
		fc.dictionary(fc.stringMatching(/^x_[a-z]{1,6}$/), fc.jsonValue(), { maxKeys: 4 }),
	)
	.map((value) => ({ frame: JSON.stringify(value), answer: { refused: "unknown_type" as const } }));

const oddities: fc.Arbitrary<Case> = fc.constantFrom(
	{ frame: `${"[".repeat(3000)}${"]".repeat(3000)}`, answer: { refused: "unknown_type" as const } },
	{ frame: '{"__proto__":{"type":"typing"}}', answer: { refused: "unknown_type" as const } },
	{ frame: "[]", answer: { refused: "unknown_type" as const } },
	{ frame: "{}", answer: { refused: "unknown_type" as const } },
	{ frame: "", answer: { refused: "bad_json" as const } },
	{ frame: HEARTBEAT.ping, answer: { pong: true as const } },
);

const binary: fc.Arbitrary<Case> = fc
	.uint8Array({ maxLength: 64 })
	.map((a) => ({ frame: a.slice().buffer as ArrayBuffer, answer: { refused: "binary_frame" as const } }));

const oversized: fc.Arbitrary<Case> = fc
	.integer({ min: LIMITS.frameBytes + 1, max: 3 * LIMITS.frameBytes })
	.map((n) => ({ frame: new Oversized(n), answer: { closes: true as const } }));

const frame: fc.Arbitrary<Case> = fc.oneof(
	{ arbitrary: wellFormed, weight: 30 },
	{ arbitrary: defective, weight: 30 },
	{ arbitrary: notJson, weight: 15 },
	{ arbitrary: notAFrame, weight: 10 },
	{ arbitrary: oddities, weight: 5 },
	{ arbitrary: binary, weight: 4 },
	// Rare: it closes the socket, so the rest of that socket's frames are not heard.
	{ arbitrary: oversized, weight: 1 },
);

/** What goes on the wire for a case: a fresh join's name gets a suffix no other socket's name has. */
function wire(c: Case, suffix: string): string | ArrayBuffer {
	if (c.frame instanceof Oversized) return "x".repeat(c.frame.bytes);
	if (typeof c.frame === "string" || c.frame instanceof ArrayBuffer) return c.frame;
	const frame =
		"join" in c.answer && c.answer.join === "fresh" ? { ...c.frame, name: `${c.frame.name} ${suffix}` } : c.frame;
	return JSON.stringify(frame);
}

/**
 * One to three hostile sockets per run. Half of them join first, under a
 * name of their own, so that frames reach the paths of a joined client too.
 * A socket sends at most 19 frames and a probe: within its burst, so no
 * frame is rate limited and each must get its own answer.
 */
const sockets = fc.array(fc.record({ joinFirst: fc.boolean(), frames: fc.array(frame, { maxLength: 18 }) }), {
	minLength: 1,
	maxLength: 3,
});

// ---- The model: each socket's answers, in order --------------------------------

const isDirect = (m: ServerMessage) =>
	m.type === "error" || m.type === "ack" || m.type === "welcome" || m.type === "history";

/**
 * Checks a hostile socket's answers frame by frame against what the
 * generator said each should get, keeping whether the socket has joined:
 * a refused frame its error code, join a welcome (or name_taken, or
 * already_joined), send an ack with its id, a change or a reply an ack or a
 * refusal by the room's rules with its id, sync a history, typing nothing
 * once joined, title not_creator (the room is Ana's), anything but join
 * before joining not_joined; then the
 * probe's error. An oversized frame closes with 1009 and ends the socket.
 * Returns how many pongs the socket must have had (at least, and at most).
 */
function expectAnswers(
	client: TestClient,
	cases: Case[],
	joinedFirst: boolean,
	probeId: string,
	closeCode: number | undefined,
) {
	const answers = client.received.filter(isDirect);
	let joined = false;
	let pongs = 0;
	let next = 0;
	const answer = () => {
		const a = answers[next++];
		expect(a, `an answer for frame ${next}`).toBeDefined();
		return a as ServerMessage;
	};
	if (joinedFirst) {
		expect(answer()).toMatchObject({ type: "welcome" });
		joined = true;
	}
	for (const c of cases) {
		const expected = c.answer;
		if ("closes" in expected) {
			expect(closeCode).toBe(1009);
			expect(answers).toHaveLength(next);
			// The runtime may answer pings still on the wire before the room has closed the socket.
			const later = cases.slice(cases.indexOf(c)).filter((l) => "pong" in l.answer).length;
			return { pongs, upTo: pongs + later };
		}
		if ("pong" in expected) {
			pongs += 1;
			continue;
		}
		if ("refused" in expected) {
			const a = answer();
			expect(a).toMatchObject({ type: "error", code: expected.refused });
			expect(a.type === "error" && a.id).toBe(expected.id ?? undefined);
			continue;
		}
		if ("typing" in expected && joined) continue;
		const a = answer();
		if ("join" in expected) {
			if (joined) expect(a).toMatchObject({ type: "error", code: "already_joined" });
			else if (expected.join === "taken") expect(a).toMatchObject({ type: "error", code: "name_taken" });
			else {
				expect(a).toMatchObject({ type: "welcome" });
				joined = true;
			}
		} else if (!joined) expect(a).toMatchObject({ type: "error", code: "not_joined" });
		else if ("send" in expected) expect(a).toMatchObject({ type: "ack", id: expected.send });
		else if ("change" in expected) {
			if (a.type === "error") expect(TARGET_CODES).toContain(a.code);
			else expect(a.type).toBe("ack");
			expect(a).toMatchObject({ id: expected.change });
		} else if ("title" in expected) expect(a).toMatchObject({ type: "error", code: "not_creator", id: expected.title });
		else expect(a).toMatchObject({ type: "history" });
	}
	expect(closeCode).toBeUndefined();
	expect(answer()).toMatchObject({ type: "error", code: "invalid_frame", id: probeId });
	expect(answers).toHaveLength(next);
	for (const a of answers) if (a.type === "error") expect(a.reason.length).toBeGreaterThan(0);
	return { pongs, upTo: pongs };
}

// ---- The run -----------------------------------------------------------------

/** A wait that a socket's close may end first, as some plans close it: only the close is let through. */
function closedFirst(e: unknown): void {
	if (!(e instanceof SocketClosed)) throw e;
}

describe("fuzzing a room", () => {
	it(`answers thousands of random and mutated frames as promised, and loses nothing for anyone else (seed ${SEED})`, async () => {
		const room = newRoom();
		const good: { client: TestClient; name: string; firstSeq: number }[] = [];
		let dropped = false;
		for (const name of ["Ana", "Bruno", "Carla", "Davi", "Elis"]) {
			const { client, welcome } = await TestClient.join(room, name);
			client.closed.then(() => {
				dropped = true;
			});
			good.push({ client, name, firstSeq: welcome.seq + 1 });
		}
		const markers: string[] = [];
		let run = 0;
		let framesSent = 0;

		await fc.assert(
			fc.asyncProperty(sockets, async (plan) => {
				run += 1;
				const batch = plan.map((p, k) => {
					const frames = p.frames.map((c) => wire(c, `${run}.${k}`));
					const join = JSON.stringify({ type: "join", name: `Fuzz ${run}-${k}`, user: `fuzz-${run}-${k}` });
					return p.joinFirst ? [join, ...frames] : frames;
				});
				const sockets = await Promise.all(batch.map(() => TestClient.open(room)));
				const closes = sockets.map((s) => {
					let code: number | undefined;
					s.closed.then((e) => {
						code = e.code;
					});
					return () => code;
				});
				// Interleave the sockets' frames, then each sends its probe.
				for (let i = 0; i < 19; i++) {
					batch.forEach((frames, k) => {
						const f = frames[i];
						if (f !== undefined) sockets[k]?.sendRaw(f);
					});
				}
				const probes = sockets.map((s, k) => {
					const id = `probe-${run}-${k}`;
					s.sendRaw(JSON.stringify({ type: "send", id, text: "probe", probe: true }));
					return id;
				});
				framesSent += batch.reduce((n, frames) => n + frames.length + 1, 0);
				await Promise.all(sockets.map((s, k) => s.waitFor("error", (e) => e.id === probes[k]).catch(closedFirst)));
				// The close event may trail the last answer by a turn of the event loop.
				await Promise.all(
					sockets.map((s, k) => (plan[k]?.frames.some((c) => "closes" in c.answer) ? s.closed : undefined)),
				);
				for (const [k, s] of sockets.entries()) {
					const p = plan[k];
					const { pongs, upTo } = expectAnswers(
						s,
						p?.frames ?? [],
						p?.joinFirst ?? false,
						probes[k] ?? "",
						closes[k]?.(),
					);
					await s.pongsReceived(pongs).catch(closedFirst);
					expect(s.pongs).toBeGreaterThanOrEqual(pongs);
					expect(s.pongs).toBeLessThanOrEqual(upTo);
				}
				for (const s of sockets) s.close();
				await Promise.all(sockets.map((s) => s.closed));

				// Every third run, one of the well-behaved clients speaks (within its rate), and everyone must hear it.
				if (run % 3 === 0) {
					const speaker = good[(run / 3) % good.length];
					const said = `marker ${run}`;
					speaker?.client.send({ type: "send", id: `marker-${run}`, text: said });
					markers.push(said);
					await Promise.all(good.map((g) => g.client.message(said)));
				}
				expect(dropped).toBe(false);
			}),
			{ seed: SEED, numRuns: RUNS, endOnFailure: true },
		);

		expect(framesSent).toBeGreaterThan(2500);
		const last = "the end";
		good[0]?.client.send({ type: "send", id: "the-end", text: last });
		const end = await Promise.all(good.map((g) => g.client.message(last)));
		expect(dropped).toBe(false);

		const stored = await storedSince(room, good[0]?.firstSeq ?? 1, end[0]?.seq ?? 0);
		expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => (good[0]?.firstSeq ?? 0) + i));
		for (const g of good) {
			expect(g.client.received.filter((m) => m.type === "error")).toEqual([]);
			const lines = g.client.lines();
			const upToEnd = lines.filter((m) => m.seq <= (end[0]?.seq ?? 0));
			// Gap-free and in order from the moment each joined…
			expect(upToEnd.map((m) => m.seq)).toEqual(upToEnd.map((_, i) => g.firstSeq + i));
			// …every marker heard, in the order said…
			expect(upToEnd.flatMap((m) => (m.kind === "chat" && m.text.startsWith("marker ") ? [m.text] : []))).toEqual(
				markers,
			);
			// …and exactly the lines the room stored (whose state later changes may have changed).
			expect(upToEnd.map(identity)).toEqual(stored.filter((m) => m.seq >= g.firstSeq).map(identity));
		}
	}, 60_000);
});

/** What a line is, whatever changed in it since: which line, of what kind, by whom, when. */
const identity = (l: Line) => ({ seq: l.seq, id: l.id, kind: l.kind, name: l.name, at: l.at });

/** The stored lines from `first` to `last`, messages and changes: the room's stream. */
async function storedSince(room: string, first: number, last: number): Promise<Line[]> {
	return runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) =>
		new MessageStore(state.storage.sql, Number.MAX_SAFE_INTEGER).after(first - 1, last - first + 1),
	);
}
