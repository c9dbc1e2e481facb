/**
 * The settings owners and moderators change: slow mode, the lock, and
 * clearing the history; each lasting through eviction.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ownedRoom, TestClient } from "./ws-client";

describe("slow mode", () => {
	it("lets a member send one message every N seconds, saying when they may send again", async () => {
		const { ana, bruno, carla } = await ownedRoom();
		carla.client.send({ type: "settings", slowMode: 30 });
		expect(await bruno.client.waitFor("settings")).toEqual({
			type: "settings",
			settings: { slowMode: 30, locked: false },
		});

		bruno.client.send({ type: "send", id: "b1", text: "first" });
		await bruno.client.waitFor("ack", (a) => a.id === "b1");
		const before = Date.now();
		bruno.client.send({ type: "send", id: "b2", text: "second, too soon" });
		const refused = await bruno.client.error("slow_mode");
		expect(refused).toMatchObject({
			id: "b2",
			reason: expect.stringMatching(/^Slow mode is on: you can send again in \d+ s$/),
		});
		expect(refused.retryAfter).toBeGreaterThan(25);
		expect(refused.retryAfter).toBeLessThanOrEqual(30);
		expect(refused.until).toBeGreaterThan(before + 25_000);
		// A retry of the stored message is still acknowledged, not refused.
		bruno.client.send({ type: "send", id: "b1", text: "first" });
		await bruno.client.waitFor(
			"ack",
			(a) => a.id === "b1" && bruno.client.received.filter((m) => m.type === "ack").length === 2,
		);

		// Owners and moderators are not slowed.
		for (const [who, id] of [
			[ana, "a"],
			[carla, "c"],
		] as const) {
			who.client.send({ type: "send", id: `${id}1`, text: `${id} one` });
			who.client.send({ type: "send", id: `${id}2`, text: `${id} two` });
			await bruno.client.message(`${id} two`);
		}
		expect(bruno.client.texts()).not.toContain("second, too soon");
	});

	it("remembers when each member last sent across eviction, and can be turned off", async () => {
		const { room, ana, bruno } = await ownedRoom();
		ana.client.send({ type: "settings", slowMode: 60 });
		await bruno.client.waitFor("settings");
		bruno.client.send({ type: "send", id: "b1", text: "before the restart" });
		await bruno.client.waitFor("ack");
		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		await bruno.client.closed;

		const back = await TestClient.join(room, "Bruno", { user: bruno.user });
		expect(back.welcome.settings).toEqual({ slowMode: 60, locked: false });
		back.client.send({ type: "send", id: "b2", text: "right after" });
		await back.client.error("slow_mode");

		const owner = await TestClient.join(room, "Ana", { user: ana.user });
		owner.client.send({ type: "settings", slowMode: 0 });
		await back.client.waitFor("settings", (s) => s.settings.slowMode === 0);
		back.client.send({ type: "send", id: "b3", text: "slow mode is off" });
		await owner.client.message("slow mode is off");
	});
});

describe("lock", () => {
	it("lets in only devices that have been in the room, and owners and moderators anywhere", async () => {
		const { room, secret, ana, bruno, modLink } = await ownedRoom();
		ana.client.send({ type: "settings", locked: true });
		await bruno.client.waitFor("settings", (s) => s.settings.locked);

		const stranger = await TestClient.open(room);
		stranger.send({ type: "join", name: "Stranger", user: "stranger-device" });
		const refused = await stranger.error("room_locked");
		expect(refused.reason).toBe("This room is locked: only people who have been in it before may join");
		// The socket stays open, and nothing was said in the room: not before what Ana says next.
		ana.client.send({ type: "send", id: "after-stranger", text: "still just us" });
		await ana.client.message("still just us");
		expect(ana.client.texts()).not.toContain("Stranger joined the chat");

		bruno.client.close();
		const back = await TestClient.join(room, "Bruno", { user: bruno.user });
		expect(back.welcome.settings?.locked).toBe(true);
		const ownerPhone = await TestClient.join(room, "Ana phone", { secret });
		expect(ownerPhone.welcome.role).toBe("owner");
		const newMod = await TestClient.join(room, "Eve", { secret: modLink });
		expect(newMod.welcome.role).toBe("moderator");

		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		const later = await TestClient.open(room);
		later.send({ type: "join", name: "Stranger", user: "stranger-device" });
		await later.error("room_locked");
	});
});

describe("clear history", () => {
	it("deletes every line from storage and starts everyone's view again from one line", async () => {
		const { room, bruno, carla } = await ownedRoom();
		bruno.client.send({ type: "send", id: "b1", text: "something to forget" });
		await carla.client.message("something to forget");
		const beforeClear = bruno.welcome.seq;

		carla.client.send({ type: "clear_history" });
		expect(await bruno.client.message("The history was cleared by a moderator")).toMatchObject({ kind: "cleared" });
		const stored = await runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) =>
			state.storage.sql.exec<{ kind: string; text: string }>("SELECT kind, text FROM messages").toArray(),
		);
		expect(stored).toEqual([{ kind: "cleared", text: "The history was cleared by a moderator" }]);

		const dora = await TestClient.join(room, "Dora");
		expect(dora.welcome.messages.map((m) => m.text)).toEqual(["The history was cleared by a moderator"]);
		// A page that resumes from before the clear starts again from the newest page.
		const resumed = await TestClient.open(room);
		resumed.send({ type: "join", name: "Bruno", user: bruno.user, since: beforeClear });
		const welcome = await resumed.waitFor("welcome");
		expect(welcome.reset).toBe(true);
		expect(welcome.messages.map((m) => m.text)).not.toContain("something to forget");
	});
});
