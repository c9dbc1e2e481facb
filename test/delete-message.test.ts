/**
 * An owner or a moderator deletes anyone's message: its text leaves
 * storage, and the deletion travels in the room's sequenced stream as a
 * line of its own, so that a page that was away learns it exactly once on
 * resume, and a page that comes later gets the line already removed.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ServerMessage } from "../protocol";
import { joinAs, newPrivateRoom, newSecret, openAt, type TestClient, until } from "./ws-client";

async function ownedRoom() {
	const room = newPrivateRoom();
	const secret = newSecret();
	const ana = await joinAs(room, "Ana", { secret });
	ana.client.send({ type: "link", kind: "moderator" });
	const link = await ana.client.waitFor("link");
	const carla = await joinAs(room, "Carla", { secret: link.secret });
	const bruno = await joinAs(room, "Bruno");
	return { room, ana, bruno, carla };
}

type ErrorFrame = Extract<ServerMessage, { type: "error" }>;
const errors = (c: TestClient, code: string) =>
	c.received.filter((m): m is ErrorFrame => m.type === "error" && m.code === code);

function storedTexts(room: string) {
	return runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) =>
		state.storage.sql.exec<{ text: string }>("SELECT text FROM messages").toArray(),
	);
}

describe("deleting a message", () => {
	it("lets a moderator delete anyone's message: the text leaves storage and every page is told in the stream", async () => {
		const { room, ana, bruno, carla } = await ownedRoom();
		bruno.client.send({ type: "send", id: "b1", text: "something vile" });
		const line = await ana.client.message("something vile");

		carla.client.send({ type: "delete", id: "d1", seq: line.seq });
		const ack = await carla.client.waitFor("ack", (a) => a.id === "d1");
		const removal = await ana.client.waitFor("message", (m) => m.message.kind === "delete");
		expect(removal.message).toMatchObject({ seq: ack.seq, kind: "delete", of: line.seq, text: "" });
		await bruno.client.waitFor("message", (m) => m.message.kind === "delete");

		expect((await storedTexts(room)).map((r) => r.text)).not.toContain("something vile");

		// A page that comes now gets the line already removed, and the removal after it.
		const dora = await joinAs(room, "Dora");
		const removed = dora.welcome.messages.find((m) => m.seq === line.seq);
		expect(removed).toMatchObject({ kind: "chat", name: "Bruno", text: "", removed: true });

		// The owner too, on a message of a moderator's.
		carla.client.send({ type: "send", id: "c1", text: "a moderator's slip" });
		const slip = await ana.client.message("a moderator's slip");
		ana.client.send({ type: "delete", id: "d2", seq: slip.seq });
		await ana.client.waitFor("ack", (a) => a.id === "d2");
	});

	it("reaches a page that was away exactly once on resume, and a retried delete changes nothing", async () => {
		const { room, ana, bruno } = await ownedRoom();
		bruno.client.send({ type: "send", id: "b1", text: "delete me" });
		const line = await bruno.client.message("delete me");
		const lastSeen = line.seq;
		bruno.client.close();

		ana.client.send({ type: "delete", id: "d1", seq: line.seq });
		const first = await ana.client.waitFor("ack", (a) => a.id === "d1");
		// The same frame again (a resend after a reconnect): acknowledged with the same seq, no second line.
		ana.client.send({ type: "delete", id: "d1", seq: line.seq });
		await until(ana.client, () => ana.client.received.filter((m) => m.type === "ack" && m.id === "d1").length === 2);
		const acks = ana.client.received.filter((m) => m.type === "ack" && m.id === "d1");
		expect(acks.map((a) => a.type === "ack" && a.seq)).toEqual([first.seq, first.seq]);

		await evictDurableObject(env.CHAT_ROOM.getByName(room));
		// Bruno's page comes back and resumes from the last line it saw.
		const back = await openAt(room);
		back.send({ type: "join", name: "Bruno", user: bruno.user, since: lastSeen });
		const welcome = await back.waitFor("welcome");
		expect(welcome.reset).toBe(false);
		expect(welcome.messages.filter((m) => m.kind === "delete")).toEqual([
			expect.objectContaining({ seq: first.seq, of: line.seq }),
		]);
	});

	it("refuses members, lines that are not messages, and lines already removed, changing nothing", async () => {
		const { ana, bruno, carla } = await ownedRoom();
		ana.client.send({ type: "send", id: "a1", text: "the owner speaks" });
		const line = await bruno.client.message("the owner speaks");
		bruno.client.send({ type: "delete", id: "x1", seq: line.seq });
		expect((await bruno.client.error("forbidden")).reason).toBe("Only the room's owner and moderators can do that");

		const join = ana.client.lines().find((m) => m.kind === "join");
		carla.client.send({ type: "delete", id: "x2", seq: join?.seq ?? 1 });
		carla.client.send({ type: "delete", id: "x3", seq: 999_999 });
		await until(carla.client, () => errors(carla.client, "not_found").length === 2);
		expect(errors(carla.client, "not_found").map((e) => e.reason)).toEqual([
			"There is no such message in this room",
			"There is no such message in this room",
		]);

		carla.client.send({ type: "delete", id: "x4", seq: line.seq });
		await carla.client.waitFor("ack", (a) => a.id === "x4");
		await ana.client.waitFor("message", (m) => m.message.kind === "delete");
		carla.client.send({ type: "delete", id: "x5", seq: line.seq });
		await until(carla.client, () => errors(carla.client, "not_found").length === 3);
		expect(errors(carla.client, "not_found")[2]?.reason).toBe("That message has already been removed");
		expect(ana.client.received.filter((m) => m.type === "message" && m.message.kind === "delete")).toHaveLength(1);

		for (const bad of [
			{ type: "delete", seq: line.seq },
			{ type: "delete", id: "x6", seq: "1" },
			{ type: "delete", id: "x7", seq: 0 },
		]) {
			carla.client.sendRaw(JSON.stringify(bad));
		}
		await until(carla.client, () => errors(carla.client, "invalid_frame").length === 3);
	});

	it("gives a page older than moderation the deleted message's text as the room's words, without the new fields", async () => {
		const { room, ana, bruno } = await ownedRoom();
		bruno.client.send({ type: "send", id: "b1", text: "gone soon" });
		const line = await ana.client.message("gone soon");
		ana.client.send({ type: "delete", id: "d1", seq: line.seq });
		await ana.client.waitFor("ack", (a) => a.id === "d1");

		const old = await joinAs(room, "Olga", { version: 3 });
		const seen = old.welcome.messages.find((m) => m.seq === line.seq);
		expect(seen).toEqual({
			seq: line.seq,
			id: line.id,
			kind: "chat",
			name: "Bruno",
			text: "Removed by a moderator",
			at: line.at,
		});
		expect(old.welcome.messages.some((m) => "of" in m || "removed" in m)).toBe(false);
	});
});
