/**
 * Reactions: eight fixed emoji, each person's on or off, carried in the
 * stream as change lines with the emoji's reactors as they are now; bounded
 * per message; trimmed with their message.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Change, type ChatMessage, isChange, LIMITS, REACTIONS } from "../protocol";
import { MessageStore } from "../worker/store/messages";
import { migrate } from "../worker/store/schema";
import { newRoom, TestClient } from "./ws-client";

async function roomWithMessage() {
	const room = newRoom();
	const ana = await TestClient.join(room, "Ana");
	const bruno = await TestClient.join(room, "Bruno");
	ana.client.send({ type: "send", id: "m", text: "party tonight" });
	const line = await bruno.client.message("party tonight");
	return { room, ana, bruno, line };
}

function reacted(client: TestClient, target: number, names: string[]) {
	return client.waitForLine(
		(l): l is Change =>
			isChange(l) && l.kind === "react" && l.target === target && l.reaction?.names.join() === names.join(),
	);
}

describe("reactions", () => {
	it("offers exactly the eight emoji", () => {
		expect(REACTIONS).toEqual(["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"]);
	});

	it("toggles a person's reaction on and off, telling everyone who reacted", async () => {
		const { ana, bruno, line } = await roomWithMessage();
		bruno.client.send({ type: "react", id: "r1", seq: line.seq, emoji: "🎉", on: true });
		const on = await reacted(ana.client, line.seq, ["Bruno"]);
		expect(on).toMatchObject({ kind: "react", name: "Bruno", reaction: { emoji: "🎉", names: ["Bruno"] } });
		ana.client.send({ type: "react", id: "r2", seq: line.seq, emoji: "🎉", on: true });
		await reacted(bruno.client, line.seq, ["Bruno", "Ana"]);
		bruno.client.send({ type: "react", id: "r3", seq: line.seq, emoji: "🎉", on: false });
		const off = await reacted(ana.client, line.seq, ["Ana"]);
		expect(off.name).toBe("Bruno");
		ana.client.send({ type: "react", id: "r4", seq: line.seq, emoji: "🎉", on: false });
		const none = await reacted(bruno.client, line.seq, []);
		expect(none.reaction).toEqual({ emoji: "🎉", names: [] });
	});

	it("applies a retried reaction once and acks both tries with the same seq", async () => {
		const { ana, bruno, line } = await roomWithMessage();
		bruno.client.send({ type: "react", id: "again", seq: line.seq, emoji: "👍", on: true });
		bruno.client.send({ type: "react", id: "again", seq: line.seq, emoji: "👍", on: true });
		bruno.client.send({ type: "send", id: "marker", text: "marker" });
		await ana.client.message("marker");
		const acks = bruno.client.received.filter((m) => m.type === "ack" && m.id === "again");
		expect(acks).toHaveLength(2);
		expect(new Set(acks.map((a) => (a.type === "ack" ? a.seq : 0))).size).toBe(1);
		expect(ana.client.lines().filter(isChange)).toHaveLength(1);
	});

	it("counts one reaction per person and emoji however often it is sent on, and shows all of a message's reactions in pages", async () => {
		const { room, ana, bruno, line } = await roomWithMessage();
		for (const [i, emoji] of (["👍", "👍", "❤️", "👀"] as const).entries()) {
			bruno.client.send({ type: "react", id: `b${i}`, seq: line.seq, emoji, on: true });
		}
		// Two sockets' frames reach the room in no fixed order: Ana reacts once Bruno's are in.
		await bruno.client.waitFor("ack", (a) => a.id === "b3");
		ana.client.send({ type: "react", id: "a0", seq: line.seq, emoji: "👀", on: true });
		await reacted(bruno.client, line.seq, ["Bruno", "Ana"]);
		const { messages } = await env.CHAT_ROOM.getByName(room).history(Number.MAX_SAFE_INTEGER, 50);
		const shown = messages.find((m) => m.seq === line.seq) as ChatMessage;
		// In the fixed order of the set, not the order they came in.
		expect(shown.reactions).toEqual([
			{ emoji: "👍", names: ["Bruno"] },
			{ emoji: "❤️", names: ["Bruno"] },
			{ emoji: "👀", names: ["Bruno", "Ana"] },
		]);
	});

	it("refuses an emoji outside the set, and a reaction to a line that is not a message", async () => {
		const { ana, line } = await roomWithMessage();
		ana.client.send({ type: "react", id: "x", seq: line.seq, emoji: "🍕", on: true } as never);
		expect(await ana.client.waitFor("error", (e) => e.id === "x")).toMatchObject({ code: "invalid_frame" });
		ana.client.send({ type: "react", id: "y", seq: ana.welcome.seq, emoji: "👍", on: true });
		expect(await ana.client.waitFor("error", (e) => e.id === "y")).toMatchObject({ code: "unknown_message" });
	});

	it(`holds at most ${LIMITS.reactorsMax} people per emoji on a message, and says so to the next`, async () => {
		const { room, ana, line } = await roomWithMessage();
		await runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) => {
			for (let i = 1; i < LIMITS.reactorsMax; i++) {
				state.storage.sql.exec(
					"INSERT INTO reactions (target, emoji, user_key, name, seq) VALUES (?, '🙏', ?, ?, ?)",
					line.seq,
					`filler-${i}`,
					`Filler ${i}`,
					i,
				);
			}
		});
		ana.client.send({ type: "react", id: "last", seq: line.seq, emoji: "🙏", on: true });
		const full = await ana.client.waitForLine(
			(l): l is Change => isChange(l) && l.kind === "react" && l.target === line.seq,
		);
		expect(full.reaction?.names).toHaveLength(LIMITS.reactorsMax);
		const carla = await TestClient.join(room, "Carla");
		carla.client.send({ type: "react", id: "over", seq: line.seq, emoji: "🙏", on: true });
		expect(await carla.client.waitFor("error", (e) => e.id === "over")).toMatchObject({ code: "reactions_full" });
		// Another emoji still has room, and taking a reaction back always works.
		carla.client.send({ type: "react", id: "other", seq: line.seq, emoji: "👀", on: true });
		await carla.client.waitFor("ack", (a) => a.id === "other");
		ana.client.send({ type: "react", id: "back", seq: line.seq, emoji: "🙏", on: false });
		await ana.client.waitFor("ack", (a) => a.id === "back");
	});

	it("gives a client that was offline the reactions it missed on resume, in order, with the reactors as they are now", async () => {
		const { room, ana, bruno, line } = await roomWithMessage();
		bruno.client.close();
		await bruno.client.closed;
		ana.client.send({ type: "react", id: "a", seq: line.seq, emoji: "😂", on: true });
		ana.client.send({ type: "react", id: "b", seq: line.seq, emoji: "😢", on: true });
		ana.client.send({ type: "react", id: "c", seq: line.seq, emoji: "😂", on: false });
		await ana.client.waitFor("ack", (a) => a.id === "c");
		const back = await TestClient.join(room, "Bruno", { user: bruno.user, since: line.seq });
		const changes = back.welcome.messages.filter(isChange);
		expect(changes.map((c) => c.reaction?.emoji)).toEqual(["😂", "😢", "😂"]);
		// Each carries who reacted with its emoji now: applied in order, the result is the room's.
		expect(changes.map((c) => c.reaction?.names)).toEqual([[], ["Ana"], []]);
	});
});

describe("trimming", () => {
	it("removes a trimmed message's reactions and its changes with it", async () => {
		const stub = env.CHAT_ROOM.getByName(newRoom());
		const left = await runInDurableObject(stub, (_i, state) => {
			const sql = state.storage.sql;
			migrate(sql);
			const store = new MessageStore(sql, 10);
			const first = store.append("chat", "Ana", "soon gone", { device: "ana-device" });
			sql.exec(
				"INSERT INTO reactions (target, emoji, user_key, name, seq) VALUES (?, '👍', 'b-device', 'Bruno', 1)",
				first.seq,
			);
			// Up to seq 200, where the batch trim runs.
			for (let i = 0; i < 199; i++) store.append("chat", "Ana", `filler ${i}`);
			return {
				reactions: sql.exec("SELECT COUNT(*) AS n FROM reactions").one().n,
				lines: store.count(),
			};
		});
		expect(left).toEqual({ reactions: 0, lines: 10 });
	});
});
