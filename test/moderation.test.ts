/**
 * What owners and moderators can do to a member (mute, kick, ban, lift), and
 * that the room checks every such frame against the sender's role. Expiry
 * runs on the room's one alarm; the tests move time on by moving the stored
 * ends into the past, then run that alarm.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ClientMessage, ServerMessage } from "../protocol";
import { elapse, newAddress, next, ownedRoom, TestClient } from "./ws-client";

type ErrorFrame = Extract<ServerMessage, { type: "error" }>;
const errors = (c: TestClient, code: string) =>
	c.received.filter((m): m is ErrorFrame => m.type === "error" && m.code === code);

/** Runs SQL inside the room: how a test moves time on for what the room stored. */
function sql(room: string, query: string, ...bindings: unknown[]) {
	return runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) =>
		state.storage.sql.exec(query, ...bindings).toArray(),
	);
}

describe("role checks", () => {
	it("refuses every moderation frame from a member, says why, and changes nothing", async () => {
		const { room, ana, bruno } = await ownedRoom();
		const attempts: ClientMessage[] = [
			{ type: "mute", target: { name: "Ana" }, minutes: 5 },
			{ type: "kick", target: { name: "Carla" } },
			{ type: "ban", target: { name: "Carla" } },
			{ type: "lift", id: "ban-1" },
			{ type: "settings", slowMode: 30, locked: true },
			{ type: "clear_history" },
			{ type: "moderation" },
			{ type: "audit" },
			{ type: "link", kind: "moderator" },
			{ type: "link", kind: "owner" },
			{ type: "demote", name: "Carla" },
		];
		for (const frame of attempts) bruno.client.send(frame);
		await bruno.client.until(
			() => errors(bruno.client, "forbidden").length === attempts.length,
			`${attempts.length} forbidden errors`,
		);
		expect(errors(bruno.client, "forbidden").map((e) => e.reason)).toEqual([
			...Array(8).fill("Only the room's owner and moderators can do that"),
			...Array(3).fill("Only the room's owner can do that"),
		]);
		expect(bruno.client.received.map((m) => m.type)).not.toContain("link");

		// Nothing changed: no settings, no mutes or bans, no new link, the history and the staff intact.
		const dora = await TestClient.join(room, "Dora");
		expect(dora.welcome.settings).toEqual({ slowMode: 0, locked: false });
		expect(dora.welcome.messages.map((m) => m.kind)).toEqual(["join", "join", "join"]);
		expect(dora.welcome.staff).toEqual([
			{ name: "Ana", role: "owner" },
			{ name: "Carla", role: "moderator" },
		]);
		ana.client.send({ type: "moderation" });
		expect(await ana.client.waitFor("moderation")).toMatchObject({ mutes: [], bans: [], moderatorLink: true });
	});

	it("lets a moderator act only on members: not on the owner, a fellow moderator or themselves", async () => {
		const { room, ana, carla, modLink } = await ownedRoom();
		const eve = await TestClient.join(room, "Eve", { secret: modLink });
		for (const name of ["Ana", "Eve", "Carla"]) {
			carla.client.send({ type: "mute", target: { name }, minutes: 5 });
			carla.client.send({ type: "kick", target: { name } });
			carla.client.send({ type: "ban", target: { name } });
		}
		await carla.client.until(() => errors(carla.client, "forbidden").length === 9, "nine forbidden errors");
		expect(errors(carla.client, "forbidden")[0]?.reason).toBe(
			"You can only act on people below you: not yourself, an owner or a fellow moderator",
		);
		// None of it happened: no one is muted or banned, each still talks on the socket they had, and no one was removed.
		ana.client.send({ type: "moderation" });
		expect(await ana.client.waitFor("moderation")).toMatchObject({ mutes: [], bans: [] });
		for (const [name, who] of [
			["Ana", ana],
			["Eve", eve],
			["Carla", carla],
		] as const) {
			who.client.send({ type: "send", id: `still-${name}`, text: `${name} still talks` });
			await who.client.waitFor("ack", (a) => a.id === `still-${name}`);
		}
		await ana.client.message("Carla still talks");
		expect(ana.client.lines().map((l) => l.kind)).not.toContain("removed");
		carla.client.send({ type: "mute", target: { name: "Nobody" }, minutes: 5 });
		expect((await carla.client.error("not_found")).reason).toBe("There is no such member in this room");
	});

	it("refuses moderation frames that break the schema, before any role is looked at", async () => {
		const { ana } = await ownedRoom();
		const bad = [
			{ type: "mute", target: { name: "Bruno" }, minutes: 7 },
			{ type: "mute", target: { name: "Bruno" } },
			{ type: "ban", target: { name: "Bruno" }, hours: 1 },
			{ type: "kick", target: { name: "Bruno", seq: 1 } },
			{ type: "kick", target: "Bruno" },
			{ type: "lift", id: "everything" },
			{ type: "settings", slowMode: -1 },
			{ type: "settings", slowMode: 3601 },
			{ type: "settings", locked: "yes" },
			{ type: "link", kind: "admin" },
			{ type: "claim", secret: "short" },
		];
		for (const frame of bad) ana.client.sendRaw(JSON.stringify(frame));
		await ana.client.until(
			() => errors(ana.client, "invalid_frame").length === bad.length,
			`${bad.length} invalid_frame errors`,
		);
		ana.client.send({ type: "moderation" });
		expect(await ana.client.waitFor("moderation")).toMatchObject({ mutes: [], bans: [] });
	});
});

describe("mute", () => {
	it("lets a muted member read but not send, says until when, and tells no one else", async () => {
		const { ana, bruno, carla } = await ownedRoom();
		const before = Date.now();
		carla.client.send({ type: "mute", target: { name: "Bruno" }, minutes: 5 });
		const lists = await carla.client.waitFor("moderation", (m) => m.mutes.length === 1);
		expect(lists.mutes[0]).toMatchObject({ name: "Bruno" });

		bruno.client.send({ type: "typing" });
		bruno.client.send({ type: "send", id: "b1", text: "can I still talk?" });
		const refused = await bruno.client.error("muted");
		expect(refused.id).toBe("b1");
		expect(refused.until).toBeGreaterThanOrEqual(before + 5 * 60_000);
		expect(refused.until).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
		expect(refused.reason).toMatch(/^You are muted until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);

		ana.client.send({ type: "send", id: "a1", text: "Bruno still reads this" });
		await bruno.client.message("Bruno still reads this");
		await carla.client.message("Bruno still reads this");
		expect(carla.client.texts()).not.toContain("can I still talk?");
		expect(carla.client.received.filter((m) => m.type === "typing")).toEqual([]);
		// Mutes are private: no line in the room says so.
		expect(ana.client.lines().map((l) => l.kind)).not.toContain("removed");
	});

	it("ends a mute on the room's one alarm, and lifts one early", async () => {
		const { room, ana, bruno } = await ownedRoom();
		ana.client.send({ type: "mute", target: { name: "Bruno" }, minutes: 60 });
		const muted = await ana.client.waitFor("moderation", (m) => m.mutes.length === 1);
		// An alarm set earlier (a socket's time to join) fires first and sets the next: the mute's end.
		await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room));
		const alarm = await runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, s) => s.storage.getAlarm());
		expect(alarm).toBe(muted.mutes[0]?.until);

		// An hour passes.
		await sql(room, "UPDATE mutes SET until = ?", Date.now() - 1);
		const ended = next(ana.client, "moderation", (m) => m.mutes.length === 0);
		expect(await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room))).toBe(true);
		await ended;
		expect(await sql(room, "SELECT * FROM mutes")).toEqual([]);
		bruno.client.send({ type: "send", id: "b1", text: "free again" });
		await ana.client.message("free again");

		const muting = next(ana.client, "moderation", (m) => m.mutes.length === 1);
		ana.client.send({ type: "mute", target: { name: "Bruno" }, minutes: 5 });
		const again = await muting;
		const lifting = next(ana.client, "moderation", (m) => m.mutes.length === 0);
		ana.client.send({ type: "lift", id: again.mutes[0]?.id ?? "" });
		await lifting;
		bruno.client.send({ type: "send", id: "b2", text: "lifted early" });
		await ana.client.message("lifted early");
		ana.client.send({ type: "lift", id: again.mutes[0]?.id ?? "" });
		expect((await ana.client.error("not_found")).reason).toBe("That mute or ban has already ended");
	});
});

describe("kick", () => {
	it("closes every socket of the member with a clear reason, says so once, and lets them come back", async () => {
		const { room, ana, bruno, carla } = await ownedRoom();
		const tab2 = await TestClient.join(room, "Bruno", { user: bruno.user });
		carla.client.send({ type: "kick", target: { name: "Bruno" } });
		for (const c of [bruno.client, tab2.client]) {
			const closed = await c.closed;
			expect(closed.code).toBe(4001);
			expect(closed.reason).toBe("You were removed from the room by a moderator; you may come back");
		}
		expect(await ana.client.message("Bruno was removed by a moderator")).toMatchObject({ kind: "removed" });
		await elapse(room, 3_600_000);
		const back = await TestClient.join(room, "Bruno", { user: bruno.user });
		expect(back.welcome.online).toContain("Bruno");
		expect(ana.client.texts()).not.toContain("Bruno left the chat");
		await ana.client.message("Bruno joined the chat");
	});
});

describe("ban", () => {
	it("closes the member's sockets at once, drops their frames, and refuses them by device and by address", async () => {
		const { room, ana, bruno } = await ownedRoom();
		const ip = newAddress();
		const b = await TestClient.join(room, "Bruno2", { ip });
		ana.client.send({ type: "ban", target: { name: "Bruno2" }, hours: 24 });
		const told = await b.client.error("banned");
		expect(told.reason).toMatch(/^You are banned from this room until .* UTC$/);
		expect(told.until).toBeGreaterThan(Date.now() + 23 * 3_600_000);
		try {
			b.client.send({ type: "send", id: "late", text: "sent after the ban" });
		} catch {
			// the socket may already be closing
		}
		const closed = await b.client.closed;
		expect(closed.code).toBe(4003);
		await ana.client.message("Bruno2 was removed by a moderator");

		// The same device, and a new device (cleared storage) from the same address, are refused at the door.
		for (const user of [b.user, `fresh-${crypto.randomUUID()}`]) {
			const again = await openAndJoin(room, "Bruno3", user, ip);
			expect(again.code).toBe(4003);
		}
		// Someone elsewhere is not.
		await TestClient.join(room, "Dora");
		bruno.client.send({ type: "send", id: "m", text: "marker" });
		await ana.client.message("marker");
		expect(ana.client.texts()).not.toContain("sent after the ban");
	});

	it("never holds an owner or a moderator by their address", async () => {
		const { room, ana, secret, carla } = await ownedRoom();
		const ip = newAddress();
		await TestClient.join(room, "Mallory", { ip });
		ana.client.send({ type: "ban", target: { name: "Mallory" } });
		await ana.client.message("Mallory was removed by a moderator");
		// The owner on a new device with the owner secret, and the moderator's device, from the banned address.
		const owner = await TestClient.join(room, "Ana laptop", { ip, secret });
		expect(owner.welcome.role).toBe("owner");
		const mod = await TestClient.join(room, "Carla", { ip, user: carla.user });
		expect(mod.welcome.role).toBe("moderator");
		expect((await openAndJoin(room, "Mallory2", `fresh-${crypto.randomUUID()}`, ip)).code).toBe(4003);
	});

	it("lets the address part expire by itself after a day while the device stays banned until lifted", async () => {
		const { room, ana } = await ownedRoom();
		const ip = newAddress();
		const m = await TestClient.join(room, "Mallory", { ip });
		ana.client.send({ type: "ban", target: { name: "Mallory" } });
		const lists = await ana.client.waitFor("moderation", (l) => l.bans.length === 1);
		const ban = lists.bans[0];
		expect(ban?.until).toBeNull();
		expect(ban?.addressUntil).toBeGreaterThan(Date.now() + 23 * 3_600_000);
		expect(ban?.addressUntil).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);

		// A day passes.
		await sql(room, "UPDATE bans SET ip_until = ?", Date.now() - 1);
		await runDurableObjectAlarm(env.CHAT_ROOM.getByName(room));
		const after = await ana.client.waitFor("moderation", (l) => l.bans[0] !== undefined && !l.bans[0].addressUntil);
		expect(after.bans).toHaveLength(1);
		const someoneElse = await TestClient.join(room, "Neighbour", { ip });
		expect(someoneElse.welcome.role).toBe("member");
		expect((await openAndJoin(room, "Mallory", m.user, newAddress())).code).toBe(4003);

		ana.client.send({ type: "lift", id: after.bans[0]?.id ?? "" });
		await ana.client.waitFor("moderation", (l) => l.bans.length === 0);
		const back = await TestClient.join(room, "Mallory", { user: m.user });
		expect(back.welcome.name).toBe("Mallory");
	});

	it("bans the sender of a message after they have left, by device and by the address they came from", async () => {
		const { room, ana } = await ownedRoom();
		const ip = newAddress();
		const troll = await TestClient.join(room, "Troll", { ip });
		troll.client.send({ type: "send", id: "t1", text: "something vile" });
		const line = await ana.client.message("something vile");
		troll.client.close();
		await troll.client.closed;
		await elapse(room, 3_600_000);
		await ana.client.message("Troll left the chat");

		ana.client.send({ type: "ban", target: { seq: line.seq }, hours: 168 });
		const lists = await ana.client.waitFor("moderation", (l) => l.bans.length === 1);
		expect(lists.bans[0]).toMatchObject({ name: "Troll" });
		expect(lists.bans[0]?.addressUntil).toBeTypeOf("number");
		expect((await openAndJoin(room, "Troll", troll.user, newAddress())).code).toBe(4003);
		expect((await openAndJoin(room, "Troll2", `fresh-${crypto.randomUUID()}`, ip)).code).toBe(4003);
	});

	it("takes the role of a moderator the owner bans", async () => {
		const { room, ana, carla } = await ownedRoom();
		ana.client.send({ type: "ban", target: { name: "Carla" }, hours: 24 });
		expect((await carla.client.closed).code).toBe(4003);
		const lists = await ana.client.waitFor("moderation", (l) => l.bans.length === 1);
		expect(lists.moderators).toEqual([]);
		expect((await openAndJoin(room, "Carla", carla.user, newAddress())).code).toBe(4003);
	});

	it("keeps mutes and bans through eviction", async () => {
		const { room, ana, bruno } = await ownedRoom();
		const m = await TestClient.join(room, "Mallory");
		ana.client.send({ type: "mute", target: { name: "Bruno" }, minutes: 60 });
		ana.client.send({ type: "ban", target: { name: "Mallory" } });
		await ana.client.waitFor("moderation", (l) => l.bans.length === 1 && l.mutes.length === 1);
		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		await bruno.client.closed;

		const back = await TestClient.join(room, "Bruno", { user: bruno.user });
		back.client.send({ type: "send", id: "b1", text: "after the restart" });
		await back.client.error("muted");
		expect((await openAndJoin(room, "Mallory", m.user, newAddress())).code).toBe(4003);
	});
});

/** Opens a socket and joins; resolves with how it closed, or throws if it was let in. */
async function openAndJoin(room: string, name: string, user: string, ip: string) {
	const client = await TestClient.open(room, { ip });
	client.send({ type: "join", name, user });
	const answer = await Promise.race([client.waitFor("welcome"), client.closed]);
	if ("type" in answer && answer.type === "welcome") throw new Error(`${name} was let in`);
	const refused = errors(client, "banned")[0];
	expect(refused?.reason).toMatch(/^You are banned from this room until/);
	return answer as CloseEvent;
}
