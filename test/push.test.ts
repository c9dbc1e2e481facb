/**
 * Web Push from a room, in workerd: subscriptions kept per device key,
 * pushes only to devices with no socket in the room, what a push says, the
 * cleanup of subscriptions a push service has forgotten, and the bounds.
 * The push service is test/push-service.ts, reached at https://push.test
 * (vitest.config.ts): each push is decrypted with the keys the test made.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { b64url, verifyVapid } from "./push-crypto";
import { newDevice, open, pushes, subscribe, subscribedAway } from "./push-devices";
import { newRoom, ownedRoom, TestClient } from "./ws-client";

/** The room's stored subscriptions, read from its SQLite storage. */
function subscriptions(room: string) {
	return runInDurableObject(env.CHAT_ROOM.getByName(room), (_instance, state) =>
		state.storage.sql
			.exec<{ user_key: string; level: string; endpoint: string; last_sent: number; held: number }>(
				"SELECT user_key, level, endpoint, last_sent, (SELECT COUNT(*) FROM push_held h WHERE h.user_key = s.user_key) AS held FROM push_subscriptions s",
			)
			.toArray(),
	);
}

describe("push subscriptions", () => {
	it("gives pages the server's public VAPID key to subscribe with", async () => {
		const res = await exports.default.fetch("http://example.com/api/push/key");
		expect(await res.json()).toEqual({ publicKey: env.VAPID_PUBLIC_KEY });
		expect(b64url.decode(env.VAPID_PUBLIC_KEY)).toHaveLength(65);
	});

	it("keeps one subscription per device key, replaced by a new subscribe and removed by unsubscribe", async () => {
		const room = newRoom();
		const [first, second] = [await newDevice(), await newDevice()];
		const { client, user } = await TestClient.join(room, "Ana");
		subscribe(client, first, "mentions");
		subscribe(client, second, "all");
		client.send({ type: "sync", since: 0 });
		await client.waitFor("history");
		expect(await subscriptions(room)).toEqual([
			expect.objectContaining({ user_key: user, level: "all", endpoint: second.endpoint }),
		]);

		// Another tab of the same device is the same device.
		const { client: tab } = await TestClient.join(room, "Ana", { user });
		tab.send({ type: "unsubscribe" });
		tab.send({ type: "sync", since: 0 });
		await tab.waitFor("history");
		expect(await subscriptions(room)).toEqual([]);
	});

	it("refuses an endpoint that is not on the room's list of push services, and malformed keys", async () => {
		const room = newRoom();
		const device = await newDevice();
		const { client } = await TestClient.join(room, "Ana");
		const cases = [
			{ endpoint: "https://evil.example/collect", keys: device.keys },
			{ endpoint: "http://push.test/send/x", keys: device.keys },
			{ endpoint: "https://user:pw@push.test/send/x", keys: device.keys },
			{ endpoint: device.endpoint, keys: { p256dh: "short", auth: device.keys.auth } },
			{ endpoint: device.endpoint, keys: { p256dh: device.keys.p256dh, auth: "!".repeat(22) } },
		];
		for (const { endpoint, keys } of cases) {
			client.send({
				type: "subscribe",
				subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } },
				level: "all",
				preview: false,
			});
			await client.error("invalid_subscription");
			client.received.length = 0;
		}
		expect(await subscriptions(room)).toEqual([]);
		// The socket is still in the room.
		client.send({ type: "send", id: "after", text: "still here" });
		await client.message("still here");
	});
});

describe("pushes", () => {
	it("pushes a line only to devices with no socket in the room, never to its sender, encrypted and signed", async () => {
		const room = newRoom();
		const [away, here, own] = [await newDevice(), await newDevice(), await newDevice()];
		const awayUser = await subscribedAway(room, "Bruno", away, "all");
		const { client: ana, user: anaUser } = await TestClient.join(room, "Ana");
		subscribe(ana, here, "all");
		const { client: carla, user: carlaUser } = await TestClient.join(room, "Carla");
		subscribe(carla, own, "all");

		carla.send({ type: "send", id: "c1", text: "dinner at eight?" });
		await ana.message("dinner at eight?");
		const [push] = await pushes(away, 1);
		if (!push) throw new Error("no push");
		expect(push.headers["content-encoding"]).toBe("aes128gcm");
		expect(Number(push.headers.ttl)).toBeGreaterThan(0);
		const claims = await verifyVapid(push.headers.authorization ?? "", away.endpoint, env.VAPID_PUBLIC_KEY);
		expect(claims.sub).toMatch(/^(mailto|https):/);
		const payload = await open(push, away.keys);
		expect(payload).toMatchObject({
			room,
			title: `#${room}`,
			// Level all without preview: the room and the sender, not the text.
			body: "New message from Carla",
			tag: `hashzap:${room}`,
			url: `/r/${room}#seq-${payload.seq}`,
		});
		expect(JSON.stringify(payload)).not.toContain("dinner");
		// Decrypting with another device's keys fails: it was encrypted for Bruno's.
		await expect(open(push, here.keys)).rejects.toThrow();

		const sent = Object.fromEntries((await subscriptions(room)).map((s) => [s.user_key, s.last_sent]));
		expect(sent[awayUser]).toBeGreaterThan(0);
		expect(sent[anaUser]).toBe(0);
		expect(sent[carlaUser]).toBe(0);
	});

	it("at level mentions pushes only lines that mention the device, with the text only when preview was chosen", async () => {
		const room = newRoom();
		const [plain, withText] = [await newDevice(), await newDevice()];
		await subscribedAway(room, "Bruno", plain, "mentions");
		await subscribedAway(room, "Dora", withText, "mentions", true);
		const { client: carla } = await TestClient.join(room, "Carla");
		carla.send({ type: "send", id: "c1", text: "nothing for anyone" });
		carla.send({ type: "send", id: "c2", text: "@bruno and @Dora: the keys?" });
		const mention = await carla.message("@bruno and @Dora: the keys?");

		const [toBruno] = await pushes(plain, 1);
		const [toDora] = await pushes(withText, 1);
		if (!toBruno || !toDora) throw new Error("no push");
		// The line that mentioned no one went to neither. Had it gone, it would have been each device's first push
		// (the mention then waiting out the device's interval); had it been held, the mention's push would count it.
		expect(await open(toBruno, plain.keys)).toMatchObject({ seq: mention.seq, body: "Carla mentioned you" });
		expect(await open(toDora, withText.keys)).toMatchObject({
			seq: mention.seq,
			body: "Carla: @bruno and @Dora: the keys?",
		});
		expect((await subscriptions(room)).map((s) => s.held)).toEqual([0, 0]);
	});

	it("removes a subscription whose push service answers 410 Gone or 404 Not Found", async () => {
		const room = newRoom();
		const [gone, missing, fine] = [await newDevice("gone"), await newDevice("missing"), await newDevice()];
		await subscribedAway(room, "Bruno", gone, "all");
		await subscribedAway(room, "Dora", missing, "all");
		const fineUser = await subscribedAway(room, "Eva", fine, "all");
		const { client: carla } = await TestClient.join(room, "Carla");
		carla.send({ type: "send", id: "c1", text: "anyone?" });
		await Promise.all([pushes(gone, 1), pushes(missing, 1), pushes(fine, 1)]);
		const deadline = Date.now() + 4000;
		while ((await subscriptions(room)).length > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
		expect((await subscriptions(room)).map((s) => s.user_key)).toEqual([fineUser]);
	});
});

describe("changes to messages", () => {
	it("pushes new messages only: an edit that adds a mention and a reaction push nothing", async () => {
		const room = newRoom();
		const device = await newDevice();
		await subscribedAway(room, "Bruno", device, "mentions");
		const { client: carla } = await TestClient.join(room, "Carla");
		carla.send({ type: "send", id: "c1", text: "hello" });
		const line = await carla.message("hello");
		carla.send({ type: "edit", id: "e1", seq: line.seq, text: "hello @Bruno" });
		carla.send({ type: "react", id: "r1", seq: line.seq, emoji: "👍", on: true });
		await carla.waitFor("ack", (m) => m.id === "r1");
		carla.send({ type: "send", id: "c2", text: "@Bruno now this" });
		const mention = await carla.message("@Bruno now this");

		// Had the edit been pushed, it would be the one push (the next would wait out the device's interval).
		const [push] = await pushes(device, 1);
		if (!push) throw new Error("no push");
		expect(await open(push, device.keys)).toMatchObject({ seq: mention.seq, body: "Carla mentioned you" });
	});

	it("takes a message deleted before its push out of it, and holds nothing once all it held is deleted", async () => {
		const room = newRoom();
		const device = await newDevice();
		const user = await subscribedAway(room, "Bruno", device, "all", true);
		const stub = env.CHAT_ROOM.getByName(room);
		// As if a push had just gone out: what comes next is held, and nothing falls due on its own while the test runs.
		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec("UPDATE push_subscriptions SET last_sent = ?", Date.now() + 3_600_000);
		});
		const { client: carla } = await TestClient.join(room, "Carla");
		carla.send({ type: "send", id: "c1", text: "kept" });
		carla.send({ type: "send", id: "c2", text: "regretted" });
		const regretted = await carla.message("regretted");
		expect(await subscriptions(room)).toEqual([expect.objectContaining({ user_key: user, held: 2 })]);
		carla.send({ type: "delete", id: "d1", seq: regretted.seq });
		await carla.waitFor("ack", (m) => m.id === "d1");
		expect(await subscriptions(room)).toEqual([expect.objectContaining({ held: 1 })]);

		// The interval ends: the room's alarm sends what is still held.
		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec("UPDATE push_subscriptions SET due = 0");
		});
		await runDurableObjectAlarm(stub);
		const [push] = await pushes(device, 1);
		if (!push) throw new Error("no push");
		expect(await open(push, device.keys)).toMatchObject({ body: "Carla: kept" });

		// Held again, then deleted: nothing is left to push, so nothing is due.
		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec("UPDATE push_subscriptions SET last_sent = ?", Date.now() + 3_600_000);
		});
		carla.send({ type: "send", id: "c3", text: "oops" });
		const oops = await carla.message("oops");
		carla.send({ type: "delete", id: "d2", seq: oops.seq });
		await carla.waitFor("ack", (m) => m.id === "d2");
		const due = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql.exec<{ due: number | null }>("SELECT due FROM push_subscriptions").one(),
		);
		expect(due).toEqual({ due: null });
		expect(await subscriptions(room)).toEqual([expect.objectContaining({ held: 0 })]);
	});
});

describe("held pushes and edits", () => {
	/** Joins as Carla in a room where the device's last push has just gone out: what comes next is held. */
	async function heldRoom(level: "all" | "mentions") {
		const room = newRoom();
		const device = await newDevice();
		await subscribedAway(room, "Bruno", device, level);
		const stub = env.CHAT_ROOM.getByName(room);
		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec("UPDATE push_subscriptions SET last_sent = ?", Date.now() + 3_600_000);
		});
		const { client: carla } = await TestClient.join(room, "Carla");
		/** Ends the device's interval and runs the room's alarm: what is still held goes out. */
		const due = async () => {
			await runInDurableObject(stub, (_i, state) => {
				state.storage.sql.exec("UPDATE push_subscriptions SET due = 0 WHERE due IS NOT NULL");
			});
			await runDurableObjectAlarm(stub);
		};
		return { room, device, carla, due };
	}

	it("says 'mentioned you' in a held push when an edit adds the mention, and not when an edit takes it away", async () => {
		const { room, device, carla, due } = await heldRoom("all");
		carla.send({ type: "send", id: "c1", text: "plain" });
		const plain = await carla.message("plain");
		carla.send({ type: "send", id: "c2", text: "@Bruno look" });
		const mention = await carla.message("@Bruno look");
		expect(await subscriptions(room)).toEqual([expect.objectContaining({ held: 2 })]);
		// The mention goes, and the other line gains one: still one mention held, now on the first line.
		carla.send({ type: "edit", id: "e1", seq: mention.seq, text: "look" });
		carla.send({ type: "edit", id: "e2", seq: plain.seq, text: "plain, @bruno" });
		await carla.waitFor("ack", (m) => m.id === "e2");
		const held = await runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) =>
			state.storage.sql
				.exec<{ seq: number; mention: number }>("SELECT seq, mention FROM push_held ORDER BY seq")
				.toArray(),
		);
		expect(held).toEqual([
			{ seq: plain.seq, mention: 1 },
			{ seq: mention.seq, mention: 0 },
		]);
		await due();
		const [push] = await pushes(device, 1);
		if (!push) throw new Error("no push");
		expect(await open(push, device.keys)).toMatchObject({ body: "2 new messages · Carla mentioned you" });
	});

	it("takes a line out of a mentions-only device's held push when an edit no longer mentions it", async () => {
		const { room, device, carla, due } = await heldRoom("mentions");
		carla.send({ type: "send", id: "c1", text: "@Bruno first" });
		carla.send({ type: "send", id: "c2", text: "@Bruno second" });
		const second = await carla.message("@Bruno second");
		expect(await subscriptions(room)).toEqual([expect.objectContaining({ held: 2 })]);
		carla.send({ type: "edit", id: "e1", seq: second.seq, text: "second, to no one" });
		await carla.waitFor("ack", (m) => m.id === "e1");
		expect(await subscriptions(room)).toEqual([expect.objectContaining({ held: 1 })]);
		await due();
		const [push] = await pushes(device, 1);
		if (!push) throw new Error("no push");
		// One line is left, and it is the first: the push names it (the one held line's seq), not the edited one.
		expect(await open(push, device.keys)).toMatchObject({ body: "Carla mentioned you" });
	});
});

describe("moderation", () => {
	it("pushes nothing to a banned device: the room no longer tells it of its conversation", async () => {
		const { room, ana, bruno, carla } = await ownedRoom();
		const [banned, other] = [await newDevice(), await newDevice()];
		subscribe(bruno.client, banned, "all", true);
		bruno.client.send({ type: "sync", since: 0 });
		await bruno.client.waitFor("history");
		await subscribedAway(room, "Dora", other, "all");
		ana.client.send({ type: "ban", target: { name: "Bruno" } });
		await carla.client.message("Bruno was removed by a moderator");
		await bruno.client.closed;

		carla.client.send({ type: "send", id: "c1", text: "@Bruno is gone" });
		await carla.client.message("@Bruno is gone");
		// Dora's push went out in the same pass over the room's subscriptions: Bruno's device was passed over.
		await pushes(other, 1);
		const stored = await subscriptions(room);
		expect(stored.find((s) => s.user_key === bruno.user)).toMatchObject({ last_sent: 0, held: 0 });
		expect(await pushes(banned, 0)).toEqual([]);
	});
});

describe("bounds", () => {
	it("never makes the message path wait for a push service: a push that hangs holds up no ack and no line", async () => {
		const room = newRoom();
		const slow = await newDevice("slow");
		await subscribedAway(room, "Bruno", slow, "all");
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: carla } = await TestClient.join(room, "Carla");
		carla.send({ type: "send", id: "c1", text: "first, pushed to Bruno" });
		// The push service has the push and has not answered it.
		await pushes(slow, 1);
		const ack = carla.waitFor("ack", (m) => m.id === "c1");
		carla.send({ type: "send", id: "c2", text: "second, while the push hangs" });
		await ack;
		await carla.waitFor("ack", (m) => m.id === "c2");
		await ana.message("second, while the push hangs");
		// The push hung all the while: the push service answers it only now.
		const answer = await fetch(`https://push.test/__answer${new URL(slow.endpoint).pathname}`, { method: "POST" });
		expect(await answer.json()).toEqual({ answered: 1 });
	});

	it("sends a device one push at once, then coalesces what follows into one push when its interval ends", async () => {
		const room = newRoom();
		const device = await newDevice();
		await subscribedAway(room, "Bruno", device, "all", true);
		const { client: carla } = await TestClient.join(room, "Carla");
		for (let i = 1; i <= 4; i++) carla.send({ type: "send", id: `c${i}`, text: `line ${i}` });
		await carla.message("line 4");

		const [first, second] = await pushes(device, 2);
		if (!first || !second) throw new Error("no push");
		expect(await open(first, device.keys)).toMatchObject({ body: "Carla: line 1" });
		// The other three went out together, after PUSH_DEVICE_INTERVAL_MS, as one push with the newest line.
		const coalesced = await open(second, device.keys);
		expect(coalesced.body).toBe("3 new messages · Carla: line 4");
		// And nothing after it: the room holds nothing more for the device.
		expect(await subscriptions(room)).toEqual([expect.objectContaining({ held: 0 })]);
	});

	it("holds back what goes beyond the room's budget instead of sending it", async () => {
		const room = newRoom();
		const devices = await Promise.all(Array.from({ length: 7 }, () => newDevice()));
		for (const [i, device] of devices.entries()) await subscribedAway(room, `Away ${i}`, device, "all");
		const { client: carla } = await TestClient.join(room, "Carla");
		carla.send({ type: "send", id: "c1", text: "to everyone" });
		await carla.message("to everyone");

		// PUSH_ROOM_BURST is 5 in the tests, refilling one a minute: five go now, two wait.
		const stored = await subscriptions(room);
		expect(stored.filter((s) => s.last_sent > 0)).toHaveLength(5);
		expect(stored.filter((s) => s.held === 1)).toHaveLength(2);
		const sentTo = new Set(stored.filter((s) => s.last_sent > 0).map((s) => s.endpoint));
		await Promise.all(devices.filter((d) => sentTo.has(d.endpoint)).map((d) => pushes(d, 1)));
	});
});
