/**
 * The room says which of a device's pending ids it stored (protocol version
 * 8): a page whose ack was lost names, in its `join`, the client ids of the
 * sends and changes it has not seen acknowledged, and the room answers with
 * those it has, with their seqs, in the welcome and in a refused name (taken
 * or invalid), so that the page never shows a stored message as not sent.
 * Ids are a device's own: another device's are never matched. The list is
 * bounded and checked like every other field.
 */
import { describe, expect, it } from "vitest";
import { LIMITS, type Line, PENDING_IDS_MAX, type ServerMessage } from "../protocol";
import { newRoom, ownedRoom, TestClient } from "./ws-client";

type Welcome = Extract<ServerMessage, { type: "welcome" }>;

/** Ana, on device `user`, has said "kept" (id `sent-1`) and reacted to it (id `react-1`); Bruno is in the room. */
async function anaSaidAndReacted() {
	const room = newRoom();
	const user = `user-${crypto.randomUUID()}`;
	const ana = await TestClient.join(room, "Ana", { user });
	const bruno = await TestClient.join(room, "Bruno");
	ana.client.send({ type: "send", id: "sent-1", text: "kept" });
	const sent = await ana.client.waitFor("ack", (a) => a.id === "sent-1");
	ana.client.send({ type: "react", id: "react-1", seq: sent.seq, emoji: "👍", on: true });
	const reacted = await ana.client.waitFor("ack", (a) => a.id === "react-1");
	return { room, user, ana, bruno, sent: sent.seq, reacted: reacted.seq };
}

/** A socket of device `user` that asks to join as `name`, naming `pending`. */
async function joinNaming(room: string, name: string, user: string, pending: unknown) {
	const client = await TestClient.open(room);
	client.sendRaw(JSON.stringify({ type: "join", name, user, pending }));
	return client;
}

describe("the ids a device still holds as pending", () => {
	it("are answered in the welcome with those the room stored and their seqs, and no others", async () => {
		const { room, user, sent, reacted } = await anaSaidAndReacted();
		const tab = await joinNaming(room, "Ana", user, ["sent-1", "never-arrived", "react-1"]);
		const welcome = await tab.waitFor("welcome");
		expect(welcome.stored).toEqual([
			{ id: "sent-1", seq: sent },
			{ id: "react-1", seq: reacted },
		]);
	});

	it("are a device's own: another device naming the same ids is told of none", async () => {
		const { room } = await anaSaidAndReacted();
		const other = await joinNaming(room, "Carla", `user-${crypto.randomUUID()}`, ["sent-1", "react-1"]);
		const welcome: Welcome = await other.waitFor("welcome");
		expect(welcome.stored).toBeUndefined();
	});

	it("are answered when the name is refused as taken, and the same socket then joins under another name", async () => {
		const { room, user, bruno, sent } = await anaSaidAndReacted();
		// Ana's device comes back under a name someone else has.
		const tab = await joinNaming(room, "Bruno", user, ["sent-1", "not-stored"]);
		expect(await tab.error("name_taken")).toMatchObject({ stored: [{ id: "sent-1", seq: sent }] });
		tab.sendRaw(JSON.stringify({ type: "join", name: "Ana Two", user, pending: ["sent-1"] }));
		expect((await tab.waitFor("welcome")).stored).toEqual([{ id: "sent-1", seq: sent }]);
		await bruno.client.message("Ana Two joined the chat");
	});

	it("are answered when the name is refused as invalid", async () => {
		const { room, user, sent } = await anaSaidAndReacted();
		const tab = await joinNaming(room, "x".repeat(LIMITS.nameMax + 1), user, ["sent-1"]);
		expect(await tab.error("invalid_name")).toMatchObject({ stored: [{ id: "sent-1", seq: sent }] });
	});

	it("are found after Clear history, which keeps the client ids of what it deleted", async () => {
		const { room, ana } = await ownedRoom();
		ana.client.send({ type: "send", id: "before-clear", text: "soon gone" });
		const sent = await ana.client.waitFor("ack", (a) => a.id === "before-clear");
		ana.client.send({ type: "clear_history" });
		await ana.client.waitForLine((l): l is Line => l.kind === "cleared");
		const tab = await joinNaming(room, "Ana", ana.user, ["before-clear"]);
		expect((await tab.waitFor("welcome")).stored).toEqual([{ id: "before-clear", seq: sent.seq }]);
	});

	it(`are at most ${PENDING_IDS_MAX}, each an id as a send's: anything else is refused as invalid_frame, and the socket may join after`, async () => {
		const { room, user } = await anaSaidAndReacted();
		const tab = await TestClient.open(room);
		const tooMany = Array.from({ length: PENDING_IDS_MAX + 1 }, (_, i) => `p-${i}`);
		for (const pending of [tooMany, ["has space"], ["x".repeat(65)], "sent-1", [7]]) {
			tab.sendRaw(JSON.stringify({ type: "join", name: "Ana", user, pending }));
		}
		// Exactly the bound is let through; the welcome comes after the answers to the frames before it.
		tab.sendRaw(JSON.stringify({ type: "join", name: "Ana", user, pending: tooMany.slice(1) }));
		expect((await tab.waitFor("welcome")).name).toBe("Ana");
		const errors = tab.received.flatMap((m) => (m.type === "error" ? [m] : []));
		expect(errors.map((e) => e.code)).toEqual(Array(5).fill("invalid_frame"));
		expect(errors.every((e) => e.reason.startsWith("pending: "))).toBe(true);
	});
});
