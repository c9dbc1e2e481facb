/**
 * Property-based fuzzing with fast-check against a real room in workerd.
 * Several hostile clients at once send random, mutated and malformed frames
 * while well-behaved clients talk. The invariants:
 *  - every hostile frame gets the answer the protocol promises, in order (so
 *    no exception escaped the Durable Object: that would be a missing answer
 *    or a dropped connection);
 *  - well-behaved clients stay connected, get no errors, and receive every
 *    line of the room, gap-free and in order;
 *  - stored history is exactly what they received.
 * Seeded, so a failure replays; fast-check prints the seed and the path.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChatMessage, type ErrorCode, LIMITS, parseClientFrame, type ServerMessage } from "../protocol";
import { readsBackSame } from "../worker/store/well-formed";
import { joinFrom, newRoom, openFrom, type TestClient } from "./ws-client";

const SEED = 0x5eed_2026;
const RUNS = 200;

const CODES: ErrorCode[] = [
	"bad_json",
	"binary_frame",
	"invalid_frame",
	"unknown_type",
	"invalid_name",
	"invalid_message",
	"not_joined",
	"already_joined",
	"name_taken",
	"rate_limited",
];

/** A frame over the size limit, made into text only when sent, so that a failure report stays readable. */
class Oversized {
	constructor(readonly bytes: number) {}
	toString() {
		return `Oversized(${this.bytes})`;
	}
}

type Frame = string | ArrayBuffer | Oversized;

const wire = (f: Frame) => (f instanceof Oversized ? "x".repeat(f.bytes) : f);

// ---- What hostile clients send -------------------------------------------------

const token = (min: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${min},64}$`));
const seq = fc.oneof(fc.nat({ max: 2000 }), fc.integer(), fc.double(), fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0));
/**
 * Text a room must not store as other bytes, or let hide in a name: lone
 * UTF-16 surrogates (SQLite's UTF-8 cannot hold them), default-ignorable
 * characters and blank letters (drawn as nothing), runs of spaces, and
 * emoji with their joiners and selectors, among ordinary letters.
 */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const hidden = fc.constantFrom(
	"\u034F",
	"\uFE00",
	"\uFE0F",
	"\u{E0100}",
	"\u{E0041}",
	"\u2800",
	"\u3164",
	"\u115F",
	"\uFFA0",
	"\u17B5",
	"\u180B",
	"\u200B",
	"\u00AD",
	"  ",
	"\u3000",
);
const tricky = (parts: number) =>
	fc
		.array(
			fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("Ana", "\u2764", "👩‍💻", "😀"), loneSurrogate, hidden),
			{
				maxLength: parts,
			},
		)
		.map((p) => p.join(""));
/** Long texts of multi-byte characters, around the length limit; cut anywhere, so a pair may be split. */
const longMultiByte = fc
	.tuple(fc.constantFrom("é", "€", "😀", "👩‍💻", "\ud800"), fc.integer({ min: 300, max: LIMITS.messageMax + 10 }))
	.map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

const name = fc.oneof(
	fc.string({ maxLength: 40 }),
	fc.string({ unit: "binary", maxLength: 40 }),
	fc.constantFrom("Ana", "aNa", "Ａｎａ", "<img src=x onerror=alert(1)>", "An\u200Ba", "\u202Eyrollam", "__proto__"),
	tricky(8),
);
const text = fc.oneof(
	fc.string({ maxLength: 200 }),
	fc.string({ unit: "binary", maxLength: 300 }),
	fc.constantFrom("", " \n ", "<script>alert(1)</script>", "'); DROP TABLE messages;--", "\u0000\u202E"),
	fc.constantFrom(LIMITS.messageMax, LIMITS.messageMax + 1).map((n) => "é".repeat(n)),
	tricky(30),
	longMultiByte,
);

/** Frames of the right shape, with random contents. */
const wellFormed = fc.oneof(
	fc.record(
		{ type: fc.constant("join"), name, user: token(8), since: seq },
		{ requiredKeys: ["type", "name", "user"] },
	),
	fc.record({ type: fc.constant("send"), id: token(1), text }),
	fc.constant({ type: "typing" }),
	fc.record({ type: fc.constant("sync"), since: seq }),
);

/** A well-formed frame with one field dropped, added, replaced or its type changed. */
const mutated = fc
	.tuple(wellFormed, fc.constantFrom("drop", "add", "replace", "retype"), fc.nat(), fc.string(), fc.jsonValue())
	.map(([frame, how, pick, key, value]) => {
		const copy: Record<string, unknown> = { ...frame };
		const keys = Object.keys(copy);
		const field = keys[pick % keys.length] ?? "type";
		if (how === "drop") delete copy[field];
		else if (how === "add") copy[key] = value;
		else if (how === "replace") copy[field] = value;
		else copy.type = value;
		return JSON.stringify(copy);
	});

/** A well-formed frame's JSON, cut short or with a character dropped, doubled or inserted. */
const garbled = fc
	.tuple(
		wellFormed,
		fc.constantFrom("cut", "drop", "double", "insert"),
		fc.nat(),
		fc.string({ minLength: 1, maxLength: 1 }),
	)
	.map(([frame, how, at, ch]) => {
		const s = JSON.stringify(frame);
		const i = at % s.length;
		if (how === "cut") return s.slice(0, i);
		if (how === "drop") return s.slice(0, i) + s.slice(i + 1);
		if (how === "double") return s.slice(0, i + 1) + s.slice(i);
		return s.slice(0, i) + ch + s.slice(i);
	});

const junk = fc.oneof(
	fc.string({ maxLength: 100 }),
	fc.jsonValue().map((v) => JSON.stringify(v) ?? "null"),
	fc.constantFrom("", "null", "[]", "{}", '{"__proto__":{"type":"typing"}}', `${"[".repeat(3000)}${"]".repeat(3000)}`),
);

const binary = fc.uint8Array({ maxLength: 64 }).map((a) => a.slice().buffer as ArrayBuffer);

const oversized = fc.integer({ min: LIMITS.frameBytes + 1, max: 3 * LIMITS.frameBytes }).map((n) => new Oversized(n));

const frame: fc.Arbitrary<Frame> = fc.oneof(
	{ arbitrary: wellFormed.map((f) => JSON.stringify(f)), weight: 30 },
	{ arbitrary: mutated, weight: 30 },
	{ arbitrary: garbled, weight: 20 },
	{ arbitrary: junk, weight: 15 },
	{ arbitrary: binary, weight: 4 },
	// Rare: it closes the socket, so the rest of that socket's frames are not heard.
	{ arbitrary: oversized, weight: 1 },
);
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

// ---- The model: what each frame must be answered with ---------------------------

const isDirect = (m: ServerMessage) =>
	m.type === "error" || m.type === "ack" || m.type === "welcome" || m.type === "history";

/**
 * Checks a hostile socket's answers against the protocol, frame by frame:
 * a refused frame gets its error code, join a welcome (or name_taken, or
 * already_joined), send an ack with its id, sync a history, typing nothing
 * once joined; then the probe's error. An oversized frame closes with 1009.
 */
function expectAnswers(client: TestClient, frames: Frame[], probeId: string, closeCode: number | undefined) {
	const answers = client.received.filter(isDirect);
	let joined = false;
	let next = 0;
	const answer = () => {
		const a = answers[next++];
		expect(a, `an answer for frame ${next}`).toBeDefined();
		return a as ServerMessage;
	};
	for (const f of frames) {
		if (f instanceof Oversized) {
			expect(closeCode).toBe(1009);
			expect(answers).toHaveLength(next);
			return;
		}
		// What the wire carries: a text frame is UTF-8, so a raw lone surrogate (a pair cut in two) arrives as U+FFFD.
		const parsed =
			typeof f === "string" ? parseClientFrame(f.toWellFormed()) : ({ ok: false, code: "binary_frame" } as const);
		if (!parsed.ok) {
			expect(answer()).toMatchObject({ type: "error", code: parsed.code });
			continue;
		}
		const type = parsed.frame.type;
		if (type === "typing" && joined) continue;
		const a = answer();
		if (type === "join") {
			if (joined) expect(a).toMatchObject({ type: "error", code: "already_joined" });
			else if (a.type === "welcome") joined = true;
			else expect(a).toMatchObject({ type: "error", code: "name_taken" });
		} else if (!joined) expect(a).toMatchObject({ type: "error", code: "not_joined" });
		else if (parsed.frame.type === "send") expect(a).toMatchObject({ type: "ack", id: parsed.frame.id });
		else expect(a).toMatchObject({ type: "history" });
	}
	expect(closeCode).toBeUndefined();
	expect(answer()).toMatchObject({ type: "error", code: "invalid_frame", id: probeId });
	expect(answers).toHaveLength(next);
	for (const a of answers) {
		if (a.type !== "error") continue;
		expect(CODES).toContain(a.code);
		expect(a.reason.length).toBeGreaterThan(0);
	}
}

// ---- The run -----------------------------------------------------------------

describe("fuzzing a room", () => {
	it(`answers thousands of random and mutated frames as promised, and loses nothing for anyone else (seed ${SEED})`, async () => {
		const room = newRoom();
		const good: { client: TestClient; name: string; firstSeq: number }[] = [];
		let dropped = false;
		for (const name of ["Ana", "Bruno", "Carla", "Davi", "Elis"]) {
			const { client, welcome } = await joinFrom(room, name);
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
					const join = JSON.stringify({ type: "join", name: `Fuzz ${run}-${k}`, user: `fuzz-${run}-${k}` });
					return p.joinFirst ? [join, ...p.frames] : p.frames;
				});
				const sockets = await Promise.all(batch.map(() => openFrom(room)));
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
						if (f !== undefined) sockets[k]?.sendRaw(wire(f));
					});
				}
				const probes = sockets.map((s, k) => {
					const id = `probe-${run}-${k}`;
					s.sendRaw(JSON.stringify({ type: "send", id, text: "probe", probe: true }));
					return id;
				});
				framesSent += batch.reduce((n, frames) => n + frames.length + 1, 0);
				await Promise.all(
					sockets.map((s, k) => Promise.race([s.waitFor("error", (e) => e.id === probes[k]), s.closed])),
				);
				// The close event may trail the last answer by a turn of the event loop.
				await Promise.all(
					sockets.map((s, k) => (batch[k]?.some((f) => f instanceof Oversized) ? s.closed : undefined)),
				);
				sockets.forEach((s, k) => {
					expectAnswers(s, batch[k] ?? [], probes[k] ?? "", closes[k]?.());
				});
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
			expect(upToEnd.map((m) => m.text).filter((t) => t.startsWith("marker "))).toEqual(markers);
			// …and exactly what the room stored.
			expect(upToEnd).toEqual(stored.filter((m) => m.seq >= g.firstSeq));
		}
	}, 60_000);
});

/** The stored lines from `first` to `last`, through the room's history RPC, page by page. */
async function storedSince(room: string, first: number, last: number): Promise<ChatMessage[]> {
	const stub = env.CHAT_ROOM.getByName(room);
	const lines: ChatMessage[] = [];
	let before = last + 1;
	while (before > first) {
		const { messages } = await stub.history(before, LIMITS.pageMax);
		if (messages.length === 0) break;
		lines.unshift(...messages.filter((m) => m.seq >= first));
		before = messages[0]?.seq ?? first;
	}
	return lines;
}

// ---- What the room stores reads back the same ---------------------------------

const STORED_SEED = 0x5eed_0a11;
const STORED_RUNS = 60;

/** One visitor: a name to join under (then a plain one if refused), and texts to send. */
const visitor = fc.record({
	name: fc.oneof(tricky(8), fc.constantFrom("g\ud800", "Ana\u034F", "\u2800", "Ana  Silva", "Lu \u2764\uFE0F")),
	texts: fc.array(fc.oneof(tricky(30), longMultiByte), { minLength: 1, maxLength: 4 }),
});

describe("fuzzing what a room stores", () => {
	it(`never stores a string that reads back differently: names, keys and lines (seed ${STORED_SEED})`, async () => {
		const room = newRoom();
		const stub = env.CHAT_ROOM.getByName(room);
		const { client: watcher } = await joinFrom(room, "Watcher");
		let run = 0;

		await fc.assert(
			fc.asyncProperty(visitor, async (v) => {
				run += 1;
				const client = await openFrom(room);
				const frame = JSON.stringify({ type: "join", name: v.name, user: `visitor-${run}` });
				const parsed = parseClientFrame(frame);
				client.sendRaw(frame);
				const answer = await Promise.race([client.waitFor("welcome"), client.waitFor("error")]);
				if (!parsed.ok) expect(answer).toMatchObject({ type: "error", code: parsed.code });
				else if (answer.type === "welcome") expect(answer.name).toBe(parsed.frame.type === "join" && parsed.frame.name);
				// An earlier visitor may still hold the name, within their grace period.
				else expect(answer).toMatchObject({ type: "error", code: "name_taken" });
				if (answer.type !== "welcome") {
					client.send({ type: "join", name: `Visitor ${run}`, user: `visitor-${run}` });
					await client.waitFor("welcome");
				}
				const sent: ChatMessage[] = [];
				for (const [k, t] of v.texts.entries()) {
					const send = JSON.stringify({ type: "send", id: `t${k}`, text: t });
					const expected = parseClientFrame(send);
					client.sendRaw(send);
					if (!expected.ok || expected.frame.type !== "send") {
						expect(await client.waitFor("error", (e) => e.id === `t${k}`)).toMatchObject({ code: "invalid_message" });
						continue;
					}
					const ack = await client.waitFor("ack", (a) => a.id === `t${k}`);
					const line = await until(client, (l) => l.seq === ack.seq);
					// Broadcast as the parser said it would be stored.
					expect(line.text).toBe(expected.frame.text);
					sent.push(line);
				}
				client.close();
				await client.closed;

				// Read back through the history endpoint's RPC: the same lines, exactly.
				for (const line of sent) {
					const { messages } = await stub.history(line.seq + 1, 1);
					expect(messages[0]).toEqual(line);
				}
			}),
			{ seed: STORED_SEED, numRuns: STORED_RUNS, endOnFailure: true },
		);

		// And in storage itself: every text column's bytes are the UTF-8 of the string it reads back as.
		const drift = await runInDurableObject(stub, (_instance, state) => {
			const sql = state.storage.sql;
			const columns = [
				["messages", "name"],
				["messages", "text"],
				["members", "name_key"],
				["members", "name"],
				["departures", "name_key"],
				["departures", "name"],
			];
			const found: string[] = [];
			for (const [table, column] of columns) {
				const rows = sql
					.exec<{ value: string; bytes: ArrayBuffer }>(
						`SELECT ${column} AS value, CAST(${column} AS BLOB) AS bytes FROM ${table}`,
					)
					.toArray();
				for (const r of rows) if (!readsBackSame(r.value, r.bytes)) found.push(`${table}.${column}: ${r.value}`);
			}
			return found;
		});
		expect(drift).toEqual([]);
		expect(run).toBe(STORED_RUNS);
		watcher.close();
	}, 60_000);
});

/** Waits for the client's own line with this seq, alone or in a batch. */
function until(client: TestClient, test: (line: ChatMessage) => boolean): Promise<ChatMessage> {
	const found = client.lines().find(test);
	if (found) return Promise.resolve(found);
	return new Promise((resolve) => {
		const listener = () => {
			const line = client.lines().find(test);
			if (!line) return;
			client.ws.removeEventListener("message", listener);
			resolve(line);
		};
		client.ws.addEventListener("message", listener);
	});
}
