/**
 * Every name the room lets in can be mentioned, through the real room: its
 * own name keys, its names table and its push subscriptions (#26). The room
 * compares names two ways: a look-alike skeleton decides who may hold a name
 * ("Sarn" is taken while Sam is here), and the name as it reads (NFKC,
 * case) decides whom `@Name` calls. A mention must use the second, or every
 * name with an m, a 0 or an accent could never be called.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChatMessage, parseClientFrame } from "../protocol";
import { skeleton } from "../worker/room/name-keys";
import { type Device, newDevice, open, pushes, subscribe, subscribedAway } from "./push-devices";
import type { ReceivedPush } from "./push-service";
import { newRoom, ownedRoom, TestClient } from "./ws-client";

/** Names with a character that has a look-alike prototype (m, 0, 1, rn, accents), other scripts, and spaces. */
const NAMES = [
	"Sam",
	"Emma",
	"Marie",
	"Carl0s",
	"Nik1",
	"Vern",
	"Émile",
	"Zoë",
	"Зоя",
	"Σοφία",
	"王小明",
	"さくら",
	"Ada Lovelace",
];

/** Joins, subscribes at level "mentions", and closes the tab: the device hears of the room by push only. */
async function awayWithPush(room: string, name: string): Promise<Device> {
	const device = await newDevice();
	await subscribedAway(room, name, device, "mentions");
	return device;
}

describe("every name can be mentioned, through the room's own keys", { timeout: 30_000 }, () => {
	it.each(NAMES)("@%s is found, carried on the line, and pushed as a mention", async (name) => {
		// A room each: the room's push budget is small in tests.
		const room = newRoom();
		const device = await awayWithPush(room, name);
		const { client: writer } = await TestClient.join(room, "Writer");
		const text = `hey @${name}, look`;
		writer.send({ type: "send", id: "m1", text });
		const line = await writer.message(text);
		expect(line.mentions).toEqual([name]);
		const [push] = await pushes(device, 1);
		expect(await open(push as ReceivedPush, device.keys)).toMatchObject({
			body: "Writer mentioned you",
			seq: line.seq,
		});
	});

	it("finds each of them in one message, in order, the longest name first (@Ada Lovelace over @Ada)", async () => {
		const room = newRoom();
		const present = [];
		for (const name of [...NAMES, "Ada"]) present.push((await TestClient.join(room, name)).client);
		const { client: writer } = await TestClient.join(room, "Writer");
		const text = NAMES.map((n) => `@${n.toUpperCase()}`).join(" and ");
		writer.send({ type: "send", id: "all", text });
		expect((await writer.message(text)).mentions).toEqual(NAMES);
		writer.send({ type: "send", id: "ada", text: "@Ada, not the other one" });
		expect((await writer.message("@Ada, not the other one")).mentions).toEqual(["Ada"]);
	});

	it("a look-alike of a name mentions no one: @Sarn is not Sam, and Sam's device hears nothing", async () => {
		const room = newRoom();
		// The two keys really are the same skeleton: this is what the room must not confuse.
		expect(skeleton("sam")).toBe(skeleton("sarn"));
		const device = await awayWithPush(room, "Sam");
		const { client: writer } = await TestClient.join(room, "Writer");
		writer.send({ type: "send", id: "m1", text: "hey @Sarn" });
		expect((await writer.message("hey @Sarn")).mentions).toBeUndefined();
		// The barrier: a real mention of Sam after it is pushed, and it is the only push.
		writer.send({ type: "send", id: "m2", text: "hey @Sam" });
		const real = await writer.message("hey @Sam");
		expect(real.mentions).toEqual(["Sam"]);
		const list = await pushes(device, 1);
		expect(list).toHaveLength(1);
		expect(await open(list[0] as ReceivedPush, device.keys)).toMatchObject({
			seq: real.seq,
		});
	});

	it("two people whose names look alike, one after the other, are each mentioned by their own name only", async () => {
		const room = newRoom();
		const sam = await awayWithPush(room, "Sam");
		const { client: writer } = await TestClient.join(room, "Writer");
		// Sam has left for good (kicked out of the online list by an owner or the grace period): "Sarn" may take the name now.
		await runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) => {
			state.storage.sql.exec("DELETE FROM members WHERE name = 'Sam'; DELETE FROM departures WHERE name = 'Sam'");
		});
		const sarn = await awayWithPush(room, "Sarn");
		writer.send({ type: "send", id: "m1", text: "@Sarn hi" });
		const toSarn = await writer.message("@Sarn hi");
		expect(toSarn.mentions).toEqual(["Sarn"]);
		writer.send({ type: "send", id: "m2", text: "@Sam hi" });
		const toSam = await writer.message("@Sam hi");
		expect(toSam.mentions).toEqual(["Sam"]);
		const [samPush] = await pushes(sam, 1);
		const [sarnPush] = await pushes(sarn, 1);
		expect(await open(samPush as ReceivedPush, sam.keys)).toMatchObject({
			seq: toSam.seq,
		});
		expect(await open(sarnPush as ReceivedPush, sarn.keys)).toMatchObject({
			seq: toSarn.seq,
		});
		// Each device had its own mention only.
		expect(await pushes(sam, 0)).toHaveLength(1);
		expect(await pushes(sarn, 0)).toHaveLength(1);
	});

	it("a device that comes back under a new name is pushed mentions of the new name", async () => {
		const room = newRoom();
		const device = await newDevice();
		const { client: first, user } = await TestClient.join(room, "Ana");
		subscribe(first, device, "mentions");
		first.close();
		await first.closed;
		const { client: again } = await TestClient.join(room, "Emma", { user });
		again.close();
		await again.closed;
		const { client: writer } = await TestClient.join(room, "Writer");
		writer.send({ type: "send", id: "m1", text: "@Emma ping" });
		const line = await writer.message("@Emma ping");
		expect(line.mentions).toEqual(["Emma"]);
		const [push] = await pushes(device, 1);
		expect(await open(push as ReceivedPush, device.keys)).toMatchObject({
			seq: line.seq,
			body: "Writer mentioned you",
		});
	});

	it("a room stored before the fix, its names and subscriptions under look-alike keys, mentions Sam after it wakes", async () => {
		const room = newRoom();
		const device = await awayWithPush(room, "Sam");
		const stub = env.CHAT_ROOM.getByName(room);
		// As the code before the fix stored them: the look-alike skeleton ("sarn") as the key, and schema version 9.
		await runInDurableObject(stub, (_i, state) => {
			const sql = state.storage.sql;
			sql.exec("UPDATE names SET name_key = 'sarn' WHERE name = 'Sam'");
			sql.exec("UPDATE push_subscriptions SET name_key = 'sarn'");
			sql.exec("UPDATE schema_version SET version = 9");
		});
		await evictDurableObject(stub);
		const { client: writer } = await TestClient.join(room, "Writer");
		writer.send({ type: "send", id: "m1", text: "@sam wake up" });
		const line = await writer.message("@sam wake up");
		expect(line.mentions).toEqual(["Sam"]);
		const [push] = await pushes(device, 1);
		expect(await open(push as ReceivedPush, device.keys)).toMatchObject({
			seq: line.seq,
		});
	});
});

// Many joins each: bounded by their count, slower when the machine is busy.
describe("what a hostile member tried against mentions", { timeout: 30_000 }, () => {
	it("a room stored with look-alike keys that the new keys would swap (Sam as 'sarn', Saᗰ as 'sam') wakes, and each name calls its own", async () => {
		const room = newRoom();
		const { client: first, user } = await TestClient.join(room, "Writer");
		const stub = env.CHAT_ROOM.getByName(room);
		// As the code before #26 stored two people it let in side by side: ᗰ's prototype is M, m's is rn.
		await runInDurableObject(stub, (_i, state) => {
			const sql = state.storage.sql;
			sql.exec("INSERT INTO names (name_key, name, seen) VALUES ('sarn', 'Sam', 1), ('sam', 'Saᗰ', 2)");
			sql.exec("UPDATE schema_version SET version = 9");
		});
		first.close();
		await evictDurableObject(stub);
		const { client: writer } = await TestClient.join(room, "Writer", { user });
		for (const [i, [text, named]] of (
			[
				["@Sam hi", ["Sam"]],
				["@Saᗰ hi", ["Saᗰ"]],
			] as const
		).entries()) {
			writer.send({ type: "send", id: `m${i}`, text });
			expect((await writer.message(text)).mentions).toEqual(named);
		}
	});

	it("a name that is another's plus punctuation does not take its mentions: @Ana: calls Ana, not 'Ana:'", async () => {
		const room = newRoom();
		await TestClient.join(room, "Ana");
		for (const thief of ["Ana:", "Ana,", "Ana.", "Ana!", "Ana?", "Ana)"]) await TestClient.join(room, thief);
		const { client: writer } = await TestClient.join(room, "Writer");
		for (const [i, text] of [
			"@Ana: can you look?",
			"@Ana, hi",
			"hi @Ana.",
			"@Ana! now",
			"@Ana? there",
			"(see @Ana)",
		].entries()) {
			writer.send({ type: "send", id: `m${i}`, text });
			expect((await writer.message(text)).mentions).toEqual(["Ana"]);
		}
		// With no Ana, the name with the punctuation is still the one its own mention calls.
		const alone = newRoom();
		await TestClient.join(alone, "A.J.");
		const { client: by } = await TestClient.join(alone, "Writer");
		by.send({ type: "send", id: "aj", text: "thanks @A.J. !" });
		expect((await by.message("thanks @A.J. !")).mentions).toEqual(["A.J."]);
	});

	it("refuses a name with an @ in it, which would start a mention of someone else", async () => {
		const room = newRoom();
		const client = await TestClient.open(room);
		client.send({ type: "join", name: "Ana @Bob", user: `user-${crypto.randomUUID()}` });
		const refused = await client.error("invalid_name");
		expect(refused.reason).toBe("A name cannot contain @, which starts a mention");
	});

	it("never forgets the name of someone in the room, however many names come and go", async () => {
		const room = newRoom();
		await TestClient.join(room, "Sam");
		const stub = env.CHAT_ROOM.getByName(room);
		// A thousand names seen after Sam's join, as a flood of joins leaves them.
		await runInDurableObject(stub, (_i, state) => {
			for (let i = 0; i < 1000; i++) {
				state.storage.sql.exec(
					"INSERT INTO names (name_key, name, seen) VALUES (?, ?, ?)",
					`f${i}`,
					`F${i}`,
					Date.now() + i,
				);
			}
		});
		// The room trims its names every 50 joins.
		for (let i = 0; i < 50; i++) (await TestClient.join(room, `Flood ${i}`)).client.close();
		const { client: writer } = await TestClient.join(room, "Writer");
		writer.send({ type: "send", id: "m1", text: "@Sam are you still here?" });
		expect((await writer.message("@Sam are you still here?")).mentions).toEqual(["Sam"]);
	});

	it("a name's new holder takes its mentions: the device that held it before is pushed nothing", async () => {
		const room = newRoom();
		const before = await awayWithPush(room, "Sam");
		const stub = env.CHAT_ROOM.getByName(room);
		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec("DELETE FROM members WHERE name = 'Sam'; DELETE FROM departures WHERE name = 'Sam'");
		});
		const now = await awayWithPush(room, "sam");
		const { client: writer } = await TestClient.join(room, "Writer");
		writer.send({ type: "send", id: "m1", text: "@Sam your code is 4711" });
		const line = await writer.message("@Sam your code is 4711");
		const [push] = await pushes(now, 1);
		expect(await open(push as ReceivedPush, now.keys)).toMatchObject({
			seq: line.seq,
		});
		// Both subscriptions were looked at in one pass over the room's subscriptions: the earlier device's got nothing.
		const earlier = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql
				.exec<{ last_sent: number; held: number }>(
					"SELECT last_sent, (SELECT COUNT(*) FROM push_held h WHERE h.user_key = s.user_key) AS held FROM push_subscriptions s WHERE endpoint = ?",
					before.endpoint,
				)
				.one(),
		);
		expect(earlier).toEqual({ last_sent: 0, held: 0 });
		expect(await pushes(before, 0)).toEqual([]);
	});

	it("reads the letters around an @ whole, astral ones too: @Ana𠀀 is not Ana, and 𠀀@Sam is no mention", async () => {
		const room = newRoom();
		await TestClient.join(room, "Ana");
		await TestClient.join(room, "Sam");
		const { client: writer } = await TestClient.join(room, "Writer");
		for (const [i, text] of ["@Ana𠀀 hi", "mail 𠀀@Sam"].entries()) {
			writer.send({ type: "send", id: `m${i}`, text });
			expect((await writer.message(text)).mentions).toBeUndefined();
		}
		writer.send({ type: "send", id: "ok", text: "𠀀 @Ana𝐀" });
		expect((await writer.message("𠀀 @Ana𝐀")).mentions).toBeUndefined();
		writer.send({ type: "send", id: "ok2", text: "𠀀 @Ana 𝐀" });
		expect((await writer.message("𠀀 @Ana 𝐀")).mentions).toEqual(["Ana"]);
	});
});

describe("the other places the room takes a name from a person", () => {
	it("acts on the member a moderator names, in any case, never on a look-alike of the name", async () => {
		const { room, carla } = await ownedRoom();
		const sam = await TestClient.join(room, "Sam");
		carla.client.send({ type: "mute", target: { name: "Sarn" }, minutes: 5 });
		const refused = await carla.client.error("not_found");
		expect(refused.reason).toBe("There is no such member in this room");
		carla.client.send({ type: "mute", target: { name: "SAM" }, minutes: 5 });
		const lists = await carla.client.waitFor("moderation", (m) => m.mutes.length > 0);
		expect(lists.mutes.map((m) => m.name)).toEqual(["Sam"]);
		sam.client.send({ type: "send", id: "s1", text: "can I talk?" });
		expect((await sam.client.error("muted")).id).toBe("s1");
	});
});

/** Characters any name may hold beside its letters: digits, marks, spaces, punctuation, emoji, compatibility forms. */
const common = ["1", "0", "\u0301", " ", "  ", ".", "'", "-", "_", "😀", "ﬁ", "Ａ"];
/** Letters of one script each (a name may not mix Latin, Greek and Cyrillic), with look-alike prototypes among them. */
const scripts = ["abcmnrlIOoSsEeéÀÉÎÕÜçñøß", "ЗояжДБмн", "ΣοφίαΩλμ", "王小明さくら한글", "عربيم"].map((letters) =>
	fc.array(fc.constantFrom(...letters.split(""), ...common), { minLength: 1, maxLength: 12 }),
);

/** The name the room would let in for a join frame, or undefined when it refuses it. */
function accepted(name: string): string | undefined {
	const parsed = parseClientFrame(JSON.stringify({ type: "join", name, user: "u".repeat(16) }));
	return parsed.ok && parsed.frame.type === "join" ? parsed.frame.name : undefined;
}

describe("mentions, as a property", () => {
	it("for any name the room accepts, @ and that name in a message mentions exactly that person", async () => {
		let n = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(...scripts).map((cs) => cs.join("")),
				async (typed) => {
					const name = accepted(typed);
					fc.pre(name !== undefined);
					// A room each, so that earlier names (and their look-alikes) never answer for this one.
					const own = newRoom();
					const { client: them, welcome } = await TestClient.join(own, name as string);
					fc.pre(welcome.type === "welcome");
					const { client: by } = await TestClient.join(own, "Writer");
					const text = `ok @${name} see`;
					by.send({ type: "send", id: `p${++n}`, text });
					const line: ChatMessage = await by.waitForLine(
						(l): l is ChatMessage => "text" in l && l.kind === "chat" && l.name === "Writer",
					);
					expect(line.mentions).toEqual([welcome.name]);
					them.close();
					by.close();
				},
			),
			{ numRuns: 50, seed: 2612 },
		);
		// Bounded by its count of runs, not by time: two rooms each, slower when the machine is busy.
	}, 60_000);
});
