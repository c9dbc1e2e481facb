/**
 * Owners and moderators without accounts: the creator of a private room
 * registers an owner secret; owner and moderator links grant roles; the
 * operator token makes an owner anywhere; everyone sees who moderates.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { moderatedRoom, newPrivateRoom, newRoom, newSecret, ownedRoom, TestClient } from "./ws-client";

const forbidden = (c: TestClient) => c.received.filter((m) => m.type === "error" && m.code === "forbidden").length;

/** Bound in vitest.config.ts, as `wrangler secret put OPERATOR_TOKEN` would in production. */
const OPERATOR_TOKEN = "test-operator-token-0123456789";

describe("owners of private rooms", () => {
	it("makes the device that created a private room its owner, and shows everyone the badge", async () => {
		const room = newPrivateRoom();
		const secret = newSecret();
		const ana = await TestClient.join(room, "Ana", { secret });
		expect(ana.welcome.role).toBe("owner");
		expect(ana.welcome.staff).toEqual([{ name: "Ana", role: "owner" }]);

		const bruno = await TestClient.join(room, "Bruno");
		expect(bruno.welcome.role).toBe("member");
		expect(bruno.welcome.staff).toEqual([{ name: "Ana", role: "owner" }]);

		ana.client.send({ type: "send", id: "a1", text: "welcome, all" });
		expect(await bruno.client.message("welcome, all")).toMatchObject({ name: "Ana", role: "owner" });
		bruno.client.send({ type: "send", id: "b1", text: "thanks" });
		expect(await ana.client.message("thanks")).not.toHaveProperty("role");
	});

	it("lets the owner claim after joining too, telling the room's other pages", async () => {
		const room = newPrivateRoom();
		const secret = newSecret();
		// The maker registers the owner secret; Ana opens the owner link in a tab that has already joined.
		await TestClient.join(room, "Maker", { secret });
		const ana = await TestClient.join(room, "Ana");
		const bruno = await TestClient.join(room, "Bruno");
		ana.client.send({ type: "claim", secret });
		expect(await ana.client.waitFor("role")).toEqual({ type: "role", role: "owner" });
		expect(await bruno.client.waitFor("staff", (m) => m.staff.length === 2)).toEqual({
			type: "staff",
			staff: [
				{ name: "Ana", role: "owner" },
				{ name: "Maker", role: "owner" },
			],
		});
	});

	it("gives a private room one owner secret: a second, different one is refused and changes nothing", async () => {
		const room = newPrivateRoom();
		await TestClient.join(room, "Ana", { secret: newSecret() });
		const mallory = await TestClient.join(room, "Mallory");
		mallory.client.send({ type: "claim", secret: newSecret() });
		const refused = await mallory.client.error("bad_secret");
		expect(refused.reason).toBe("This link is not valid: it may have been replaced");
		const carla = await TestClient.join(room, "Carla");
		expect(carla.welcome.staff).toEqual([{ name: "Ana", role: "owner" }]);
	});

	it("never lets a public room be claimed by its first visitor", async () => {
		const room = newRoom();
		const ana = await TestClient.join(room, "Ana");
		ana.client.send({ type: "claim", secret: newSecret() });
		await ana.client.error("bad_secret");
		const bruno = await TestClient.join(room, "Bruno");
		expect(bruno.welcome.staff).toEqual([]);
	});

	it("moves ownership with the owner link, and a replaced owner link demotes the devices that used the old one", async () => {
		const room = newPrivateRoom();
		const secret = newSecret();
		const laptop = await TestClient.join(room, "Ana", { secret });
		// The owner link of a device is its owner secret: opened on a phone, the phone is an owner too.
		const phone = await TestClient.join(room, "Ana phone", { secret });
		expect(phone.welcome.role).toBe("owner");

		phone.client.send({ type: "link", kind: "owner" });
		const fresh = await phone.client.waitFor("link");
		expect(fresh.kind).toBe("owner");
		expect(fresh.secret).not.toBe(secret);
		expect(await laptop.client.waitFor("role")).toEqual({ type: "role", role: "member" });

		const again = await TestClient.join(room, "Ana tablet", { secret });
		expect(again.welcome.role).toBe("member");
		await again.client.error("bad_secret");
		const restored = await TestClient.join(room, "Ana again", { secret: fresh.secret });
		expect(restored.welcome.role).toBe("owner");
	});
});

describe("moderator links", () => {
	it("makes whoever opens the moderator link a moderator, on that device", async () => {
		const room = newPrivateRoom();
		const ana = await TestClient.join(room, "Ana", { secret: newSecret() });
		ana.client.send({ type: "link", kind: "moderator" });
		const link = await ana.client.waitFor("link", (l) => l.kind === "moderator");

		const carla = await TestClient.join(room, "Carla", { secret: link.secret });
		expect(carla.welcome.role).toBe("moderator");
		expect(carla.welcome.staff).toEqual([
			{ name: "Ana", role: "owner" },
			{ name: "Carla", role: "moderator" },
		]);
		// The role belongs to the device: back without the link, still a moderator.
		carla.client.close();
		const back = await TestClient.join(room, "Carla", { user: carla.user });
		expect(back.welcome.role).toBe("moderator");
	});

	it("stops a replaced or revoked moderator link from working, and keeps the moderators it made", async () => {
		const room = newPrivateRoom();
		const ana = await TestClient.join(room, "Ana", { secret: newSecret() });
		ana.client.send({ type: "link", kind: "moderator" });
		const first = await ana.client.waitFor("link", (l) => l.kind === "moderator");
		const carla = await TestClient.join(room, "Carla", { secret: first.secret });
		expect(carla.welcome.role).toBe("moderator");

		ana.client.send({ type: "link", kind: "moderator" });
		await ana.client.waitFor("link", (l) => l.secret !== first.secret);
		const late = await TestClient.join(room, "Late", { secret: first.secret });
		expect(late.welcome.role).toBe("member");
		await late.client.error("bad_secret");

		ana.client.send({ type: "link", kind: "moderator", revoke: true });
		ana.client.send({ type: "moderation" });
		const lists = await ana.client.waitFor("moderation", (m) => !m.moderatorLink);
		expect(lists.moderators).toEqual(["Carla"]);
		const back = await TestClient.join(room, "Carla", { user: carla.user });
		expect(back.welcome.role).toBe("moderator");
	});

	it("lets only the owner make links or demote a moderator", async () => {
		const { ana, carla, bruno } = await ownedRoom();

		for (const who of [carla, bruno]) {
			who.client.send({ type: "link", kind: "moderator" });
			who.client.send({ type: "link", kind: "owner" });
			who.client.send({ type: "demote", name: "Carla" });
			await who.client.until(() => forbidden(who.client) === 3, "three forbidden errors");
		}
		expect(carla.client.received.find((m) => m.type === "error")).toMatchObject({
			reason: "Only the room's owner can do that",
		});

		ana.client.send({ type: "demote", name: "Carla" });
		expect(await carla.client.waitFor("role")).toEqual({ type: "role", role: "member" });
		expect(await bruno.client.waitFor("staff", (s) => s.staff.length === 1)).toEqual({
			type: "staff",
			staff: [{ name: "Ana", role: "owner" }],
		});
	});
});

describe("the operator token", () => {
	it("makes an owner of the lobby or any public room, and a wrong token is refused", async () => {
		const room = newRoom();
		const wrong = await TestClient.join(room, "Mallory", { secret: `${OPERATOR_TOKEN}x` });
		expect(wrong.welcome.role).toBe("member");
		await wrong.client.error("bad_secret");
		const op = await TestClient.join(room, "Operator", { secret: OPERATOR_TOKEN });
		expect(op.welcome.role).toBe("owner");
	});
});

describe("roles that last", () => {
	it("keeps owners, moderators and links through eviction", async () => {
		const { room, ana, carla, modLink } = await moderatedRoom();
		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		await Promise.all([ana.client.closed, carla.client.closed]);

		const anaBack = await TestClient.join(room, "Ana", { user: ana.user });
		expect(anaBack.welcome.role).toBe("owner");
		const carlaBack = await TestClient.join(room, "Carla", { user: carla.user });
		expect(carlaBack.welcome.role).toBe("moderator");
		const dora = await TestClient.join(room, "Dora", { secret: modLink });
		expect(dora.welcome.role).toBe("moderator");
	});

	it("tells a page of version 2 nothing of roles: no new frames, no new fields", async () => {
		const room = newPrivateRoom();
		const old = await TestClient.join(room, "Old", { version: 2 });
		expect(old.welcome).not.toHaveProperty("role");
		expect(old.welcome).not.toHaveProperty("staff");
		expect(old.welcome).not.toHaveProperty("settings");
		const ana = await TestClient.join(room, "Ana", { secret: newSecret() });
		ana.client.send({ type: "send", id: "a1", text: "from the owner" });
		const line = await old.client.message("from the owner");
		expect(line).not.toHaveProperty("role");
		expect(old.client.received.map((m) => m.type)).not.toContain("staff");
	});
});
