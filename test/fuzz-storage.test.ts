/**
 * Property-based fuzzing of what a room stores, with fast-check against a
 * real room in workerd: visitors join under names and send texts full of
 * what SQLite's UTF-8 cannot hold or a screen cannot show (lone surrogates,
 * default-ignorable characters, blank letters, runs of spaces, long
 * multi-byte texts cut anywhere). The invariant: no string the room stores
 * ever reads back differently, through the history or in storage itself.
 * Seeded, so a failure replays.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChatMessage, isChange, LIMITS, parseClientFrame } from "../protocol";
import { readsBackSame } from "../worker/store/well-formed";
import { newRoom, TestClient } from "./ws-client";

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
		const { client: watcher } = await TestClient.join(room, "Watcher");
		let run = 0;

		await fc.assert(
			fc.asyncProperty(visitor, async (v) => {
				run += 1;
				const client = await TestClient.open(room);
				const frame = JSON.stringify({ type: "join", name: v.name, user: `visitor-${run}` });
				const parsed = parseClientFrame(frame);
				client.sendRaw(frame);
				const answer = await client.next((m) => m.type === "welcome" || m.type === "error", "a welcome or an error");
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
					const line = await client.waitForLine(
						(l): l is ChatMessage => !isChange(l) && l.seq === ack.seq,
						`the line the room acknowledged as seq ${ack.seq}`,
					);
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
