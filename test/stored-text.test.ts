/**
 * What the room stores reads back as the same string. SQLite keeps text as
 * UTF-8, which cannot hold a lone UTF-16 surrogate: workerd writes one as
 * other bytes, which read back as three U+FFFD. A name key that reads back
 * differently from the one written never matches again, and its member
 * never leaves (a "ghost"). The room takes only well-formed text, and a
 * migration removes the ghosts older code let in.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../protocol";
import { MemberStore } from "../worker/store/members";
import { MessageStore } from "../worker/store/messages";
import { TestClient } from "./ws-client";

const newRoom = () => `room-${crypto.randomUUID()}`;
const GHOST = "g\ud800";

async function history(room: string): Promise<ChatMessage[]> {
	const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?limit=100`);
	return ((await res.json()) as { messages: ChatMessage[] }).messages;
}

/** Runs the room's alarm until none is left that is due now. */
async function runDueAlarms(room: string): Promise<void> {
	const stub = env.CHAT_ROOM.getByName(room);
	for (let i = 0; i < 10; i++) {
		const due = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
		if (due === null || due > Date.now()) return;
		await runDurableObjectAlarm(stub);
	}
}

describe("a room that once held a ghost", () => {
	it("restarts without it: the ghost is gone from the online list, and no new 'left the chat' lines appear", async () => {
		const room = newRoom();
		const stub = env.CHAT_ROOM.getByName(room);
		const { client: ana } = await TestClient.join(room, "Ana");
		// What older code let in: a member whose name key holds a lone surrogate, its departure queued,
		// in a room whose storage that code last ran.
		await runInDurableObject(stub, (_i, state) => {
			const sql = state.storage.sql;
			sql.exec("INSERT INTO members (name_key, user_key, name) VALUES (?, ?, ?)", GHOST, "ghostkey01", GHOST);
			sql.exec(
				"INSERT INTO departures (name_key, user_key, name, due) VALUES (?, ?, ?, ?)",
				GHOST,
				"ghostkey01",
				GHOST,
				Date.now(),
			);
			sql.exec("UPDATE schema_version SET version = 1");
		});
		const before = (await history(room)).length;

		// Two restarts: each used to queue the ghost's departure again, and each alarm wrote another "left the chat".
		const checkers: TestClient[] = [];
		for (let restart = 0; restart < 2; restart++) {
			await evictDurableObject(stub);
			const { client: checker, welcome } = await TestClient.join(room, `Checker ${restart}`);
			checkers.push(checker);
			expect(welcome.online).toEqual(["Ana", ...checkers.map((_, i) => `Checker ${i}`)]);
			await runDueAlarms(room);
		}

		const lines = await history(room);
		expect(lines.slice(before).map((m) => m.text)).toEqual(["Checker 0 joined the chat", "Checker 1 joined the chat"]);
		const keys = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql
				.exec<{ key: string }>("SELECT name_key AS key FROM members UNION ALL SELECT name_key FROM departures")
				.toArray()
				.map((r) => r.key),
		);
		expect(keys.every((k) => k.isWellFormed() && !k.includes("\uFFFD"))).toBe(true);
		expect(keys).toContain("ana");
		for (const c of [ana, ...checkers]) c.close();
	});
});

describe("the store", () => {
	it("refuses to write text that would read back as another string", async () => {
		const room = newRoom();
		await TestClient.join(room, "Ana");
		const stub = env.CHAT_ROOM.getByName(room);
		const refused = await runInDurableObject(stub, (_i, state) => {
			const sql = state.storage.sql;
			const messages = new MessageStore(sql, 100);
			const members = new MemberStore(sql);
			const attempts = [
				() => messages.append("chat", "Ana", "a\udc00b"),
				() => messages.append("chat", GHOST, "hi"),
				() => members.addMember({ memberKey: GHOST, device: "ghostkey01", name: GHOST }),
				() => members.addDeparture({ memberKey: GHOST, device: "ghostkey01", name: GHOST, due: 0 }),
			];
			return attempts.map((attempt) => {
				try {
					attempt();
					return "written";
				} catch {
					return "refused";
				}
			});
		});
		expect(refused).toEqual(["refused", "refused", "refused", "refused"]);
	});
});
