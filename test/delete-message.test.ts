/**
 * An owner or a moderator deletes anyone's message with the same `delete`
 * a sender uses on their own (edits.ts): its text leaves storage, and the
 * deletion travels in the room's sequenced stream as a change line
 * (`deleted: "moderator"`), so that a page that was away learns it exactly
 * once on resume, and a page that comes later gets the message already
 * deleted.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Change, isChange, type Line, type ServerMessage } from "../protocol";
import { ownedRoom, TestClient } from "./ws-client";

const isDelete = (l: Line): l is Change => isChange(l) && l.kind === "delete";

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
		const removal = await ana.client.waitForLine(isDelete);
		expect(removal).toEqual({
			seq: ack.seq,
			id: expect.any(String),
			kind: "delete",
			name: "Carla",
			at: expect.any(Number),
			target: line.seq,
			deleted: "moderator",
		});
		await bruno.client.waitForLine(isDelete);

		expect((await storedTexts(room)).map((r) => r.text)).not.toContain("something vile");

		// A page that comes now gets the message already deleted.
		const dora = await TestClient.join(room, "Dora");
		const removed = dora.welcome.messages.find((m) => m.seq === line.seq);
		expect(removed).toMatchObject({ kind: "chat", name: "Bruno", text: "", deleted: "moderator" });

		// The owner too, on a message of a moderator's; a moderator deleting their own is its sender.
		carla.client.send({ type: "send", id: "c1", text: "a moderator's slip" });
		const slip = await ana.client.message("a moderator's slip");
		ana.client.send({ type: "delete", id: "d2", seq: slip.seq });
		await ana.client.waitFor("ack", (a) => a.id === "d2");
		carla.client.send({ type: "send", id: "c2", text: "my own slip" });
		const own = await ana.client.message("my own slip");
		carla.client.send({ type: "delete", id: "d3", seq: own.seq });
		const ownRemoval = await ana.client.waitForLine((l): l is Change => isDelete(l) && l.target === own.seq);
		expect(ownRemoval).toMatchObject({ deleted: "sender" });
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
		await ana.client.until(
			() => ana.client.received.filter((m) => m.type === "ack" && m.id === "d1").length === 2,
			"two acks of d1",
		);
		const acks = ana.client.received.filter((m) => m.type === "ack" && m.id === "d1");
		expect(acks.map((a) => a.type === "ack" && a.seq)).toEqual([first.seq, first.seq]);

		await evictDurableObject(env.CHAT_ROOM.getByName(room));
		// Bruno's page comes back and resumes from the last line it saw.
		const back = await TestClient.open(room);
		back.send({ type: "join", name: "Bruno", user: bruno.user, since: lastSeen });
		const welcome = await back.waitFor("welcome");
		expect(welcome.reset).toBe(false);
		expect(welcome.messages.filter((m) => m.kind === "delete")).toEqual([
			expect.objectContaining({ seq: first.seq, target: line.seq, deleted: "moderator" }),
		]);
	});

	it("refuses members, lines that are not messages, and messages already deleted, changing nothing", async () => {
		const { ana, bruno, carla } = await ownedRoom();
		ana.client.send({ type: "send", id: "a1", text: "the owner speaks" });
		const line = await bruno.client.message("the owner speaks");
		bruno.client.send({ type: "delete", id: "x1", seq: line.seq });
		expect(await bruno.client.waitFor("error", (e) => e.id === "x1")).toMatchObject({
			code: "not_yours",
			reason: "Only its sender, an owner or a moderator can delete a message",
		});

		const join = ana.client.lines().find((m) => m.kind === "join");
		carla.client.send({ type: "delete", id: "x2", seq: join?.seq ?? 1 });
		carla.client.send({ type: "delete", id: "x3", seq: 999_999 });
		await carla.client.until(() => errors(carla.client, "unknown_message").length === 2, "two unknown_message errors");

		carla.client.send({ type: "delete", id: "x4", seq: line.seq });
		await carla.client.waitFor("ack", (a) => a.id === "x4");
		await ana.client.waitForLine(isDelete);
		carla.client.send({ type: "delete", id: "x5", seq: line.seq });
		expect(await carla.client.waitFor("error", (e) => e.id === "x5")).toMatchObject({
			code: "message_deleted",
			reason: "That message was deleted",
		});
		expect(ana.client.lines().filter(isDelete)).toHaveLength(1);

		for (const bad of [
			{ type: "delete", seq: line.seq },
			{ type: "delete", id: "x6", seq: "1" },
			{ type: "delete", id: "x7", seq: 1.5 },
		]) {
			carla.client.sendRaw(JSON.stringify(bad));
		}
		await carla.client.until(() => errors(carla.client, "invalid_frame").length === 3, "three invalid_frame errors");
	});

	it("tells a version 5 page only that the message was deleted, and stops a muted member's edits and reactions", async () => {
		const { room, ana, bruno } = await ownedRoom();
		bruno.client.send({ type: "send", id: "b1", text: "first" });
		const first = await ana.client.message("first");
		const five = await TestClient.join(room, "Five", { version: 5 });
		ana.client.send({ type: "delete", id: "d1", seq: first.seq });
		const seen = await five.client.waitForLine(isDelete);
		expect(seen).toMatchObject({ target: first.seq, deleted: "sender" });
		const later = await TestClient.join(room, "Later", { version: 5 });
		expect(later.welcome.messages.find((m) => m.seq === first.seq)).toMatchObject({ text: "", deleted: "sender" });

		bruno.client.send({ type: "send", id: "b2", text: "second" });
		const second = await bruno.client.message("second");
		ana.client.send({ type: "mute", target: { name: "Bruno" }, minutes: 5 });
		await ana.client.waitFor("moderation", (m) => m.mutes.some((x) => x.name === "Bruno"));
		bruno.client.send({ type: "edit", id: "e1", seq: second.seq, text: "something vile" });
		bruno.client.send({ type: "react", id: "r1", seq: second.seq, emoji: "👀", on: true });
		expect(await bruno.client.waitFor("error", (e) => e.id === "e1")).toMatchObject({ code: "muted" });
		expect(await bruno.client.waitFor("error", (e) => e.id === "r1")).toMatchObject({
			code: "muted",
			until: expect.any(Number),
		});
		// Deleting one's own message is still allowed: it takes words away.
		bruno.client.send({ type: "delete", id: "d2", seq: second.seq });
		await bruno.client.waitFor("ack", (a) => a.id === "d2");
		expect(ana.client.lines().some((l) => l.kind === "edit" || l.kind === "react")).toBe(false);
	});

	it("gives a page older than moderation the deleted message's text as the room's words, without the new fields", async () => {
		const { room, ana, bruno } = await ownedRoom();
		bruno.client.send({ type: "send", id: "b1", text: "gone soon" });
		const line = await ana.client.message("gone soon");
		ana.client.send({ type: "delete", id: "d1", seq: line.seq });
		await ana.client.waitFor("ack", (a) => a.id === "d1");

		const old = await TestClient.join(room, "Olga", { version: 3 });
		const seen = old.welcome.messages.find((m) => m.seq === line.seq);
		expect(seen).toEqual({
			seq: line.seq,
			id: line.id,
			kind: "chat",
			name: "Bruno",
			text: "Removed by a moderator",
			at: line.at,
		});
		expect(old.welcome.messages.some((m) => "deleted" in m || "target" in m)).toBe(false);
	});
});
