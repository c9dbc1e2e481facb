/**
 * Issue #27, "Moderation holes": one describe per finding, named after it
 * (finding 5, mention pushes, is fixed elsewhere). The rules they pin down:
 * a ban outranks any role or link; the room acts on the device, never on
 * display text; no one lifts their own restriction; a locked room shows its
 * history only to devices that have been in it. Every test goes through the
 * room's real keys, stores and alarms, with names in several scripts
 * ("Émile", "Зоя", and "Sam", whose look-alike skeleton is "sarn").
 * Negative assertions come after a barrier: a later frame on the same socket
 * (frames are handled in order) or a later line everyone receives.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AuditEntry, Change, ChatMessage, ClientMessage, NotifyLevel, ServerMessage } from "../protocol";
import { MessageStore } from "../worker/store/messages";
import { migrate } from "../worker/store/schema";
import { deviceKeys } from "./push-crypto";
import { newAddress, newPrivateRoom, newRoom, newSecret, next, TestClient } from "./ws-client";

/** Bound in vitest.config.ts, as `wrangler secret put OPERATOR_TOKEN` would in production. */
const OPERATOR_TOKEN = "test-operator-token-0123456789";

type ErrorFrame = Extract<ServerMessage, { type: "error" }>;
const errors = (c: TestClient, code?: string) =>
	c.received.filter((m): m is ErrorFrame => m.type === "error" && (code === undefined || m.code === code));

/** Runs SQL inside the room: how a test moves stored times into the past. */
function sql<T extends Record<string, SqlStorageValue>>(room: string, query: string, ...bindings: unknown[]) {
	return runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) =>
		state.storage.sql.exec<T>(query, ...bindings).toArray(),
	);
}

/**
 * A barrier: the room handles a socket's frames in order, so once it has
 * answered a `sync` sent after some frames, it has handled them all (and
 * sent whatever they caused to this socket).
 */
async function handled(c: TestClient): Promise<void> {
	const seen = c.received.filter((m) => m.type === "history").length;
	c.send({ type: "sync", since: Number.MAX_SAFE_INTEGER - 1 });
	await c.waitFor("history", () => c.received.filter((m) => m.type === "history").length > seen);
}

/** Opens a socket, presents `secret` if given, and joins: let in (the welcome) or turned away (the close, and the error). */
async function tryJoin(room: string, name: string, options: { user: string; ip?: string; secret?: string }) {
	const client = await TestClient.open(room, { ip: options.ip ?? newAddress() });
	if (options.secret) client.send({ type: "claim", secret: options.secret });
	client.send({ type: "join", name, user: options.user });
	const answer = await Promise.race([
		client.waitFor("welcome").then((welcome) => ({ welcome })),
		client.closed.then((closed) => ({ closed })),
	]);
	if ("welcome" in answer) return { client, welcome: answer.welcome, closed: undefined, error: undefined };
	return { client, welcome: undefined, closed: answer.closed, error: errors(client, "banned")[0] };
}

/** A private room whose owner is Émile, with Зоя a moderator by the moderator link and Sam a member. */
async function staffedRoom(names = { owner: "Émile", moderator: "Зоя", member: "Sam" }) {
	const room = newPrivateRoom();
	const secret = newSecret();
	const owner = await TestClient.join(room, names.owner, { secret });
	owner.client.send({ type: "link", kind: "moderator" });
	const modLink = (await owner.client.waitFor("link")).secret;
	const moderator = await TestClient.join(room, names.moderator, { secret: modLink });
	const member = await TestClient.join(room, names.member);
	expect([owner.welcome.role, moderator.welcome.role, member.welcome.role]).toEqual(["owner", "moderator", "member"]);
	return { room, secret, modLink, owner, moderator, member };
}

/** The audit log as the owner reads it. */
async function auditOf(c: TestClient): Promise<AuditEntry[]> {
	const answer = next(c, "audit");
	c.send({ type: "audit" });
	return (await answer).entries;
}

/** The lists of Room settings as a member of staff reads them. */
async function listsOf(c: TestClient) {
	const answer = next(c, "moderation");
	c.send({ type: "moderation" });
	return answer;
}

describe("#27.1 a banned moderator comes back as a moderator, and lifts their own ban", () => {
	it("demotes the banned moderator's device whatever name it used last, and refuses it at the door under any name", async () => {
		const { room, owner, member, modLink } = await staffedRoom();
		const device = `moddevA001-${crypto.randomUUID()}`;
		const bob = await TestClient.join(room, "Émilie", { user: device, secret: modLink });
		expect(bob.welcome.role).toBe("moderator");
		// The same device, in a second tab, under another name: the role store now notes "Zed".
		const zed = await TestClient.join(room, "Zed", { user: device });
		expect(zed.welcome.role).toBe("moderator");

		owner.client.send({ type: "ban", target: { name: "ÉMILIE" } });
		for (const c of [bob.client, zed.client]) expect((await c.closed).code).toBe(4003);
		const lists = await owner.client.waitFor("moderation", (l) => l.bans.length === 1);
		expect(lists.moderators).toEqual(["Зоя"]);
		expect(lists.bans.map((b) => b.name)).toEqual(["Émilie"]);

		// Back with no secret, under the banned name, the second name and a new one: refused, and no one sees them.
		for (const name of ["Émilie", "Zed", "Sam2"]) {
			const back = await tryJoin(room, name, { user: device });
			expect(back.welcome?.role).toBeUndefined();
			expect(back.closed?.code).toBe(4003);
			expect(back.error?.reason).toBe("You are banned from this room until a moderator lifts the ban");
		}
		member.client.send({ type: "send", id: "after", text: "still here" });
		await owner.client.message("still here");
		const joins = owner.client.texts().filter((t) => t.endsWith(" joined the chat"));
		expect(joins.filter((t) => ["Émilie", "Zed", "Sam2"].some((n) => t.startsWith(`${n} `)))).toEqual([
			"Émilie joined the chat",
			"Zed joined the chat",
		]);
		const staff = await TestClient.join(room, "Watcher");
		expect(staff.welcome.staff).toEqual([
			{ name: "Émile", role: "owner" },
			{ name: "Зоя", role: "moderator" },
		]);
	});

	it("refuses a moderator lifting their own mute, with forbidden, and lets the owner lift it", async () => {
		const { owner, moderator } = await staffedRoom();
		owner.client.send({ type: "mute", target: { name: "зоя" }, minutes: 60 });
		const muted = await moderator.client.waitFor("moderation", (l) => l.mutes.length === 1);
		const id = muted.mutes[0]?.id ?? "";
		expect(muted.mutes[0]?.name).toBe("Зоя");

		moderator.client.send({ type: "lift", id });
		await handled(moderator.client);
		expect(errors(moderator.client, "forbidden").map((e) => e.reason)).toEqual([
			"No one can lift their own mute or ban",
		]);
		expect((await listsOf(owner.client)).mutes.map((m) => m.id)).toEqual([id]);
		moderator.client.send({ type: "send", id: "z1", text: "can I talk?" });
		await moderator.client.error("muted");

		owner.client.send({ type: "lift", id });
		await owner.client.waitFor("moderation", (l) => l.mutes.length === 0);
		moderator.client.send({ type: "send", id: "z2", text: "free again" });
		await owner.client.message("free again");
		expect((await auditOf(owner.client)).filter((e) => e.action === "lift_mute")).toEqual([
			expect.objectContaining({ actor: "Émile", role: "owner", target: "Зоя" }),
		]);
	});
});

describe("#27.2 a banned ex-moderator reclaims the role with the link they already hold", () => {
	it("refuses the moderator link from a banned device at the door: no role, no audit entry", async () => {
		const { room, owner, moderator, modLink } = await staffedRoom();
		owner.client.send({ type: "ban", target: { name: "Зоя" }, hours: 24 });
		expect((await moderator.client.closed).code).toBe(4003);
		await owner.client.waitFor("moderation", (l) => l.bans.length === 1 && l.moderators.length === 0);

		// Her page presents the stored secret before every join, as the page always does.
		const back = await tryJoin(room, "Зоя", { user: moderator.user, secret: modLink });
		expect(back.welcome).toBeUndefined();
		expect(back.closed?.code).toBe(4003);
		expect(back.error?.until).toBeGreaterThan(Date.now() + 23 * 3_600_000);

		const log = await auditOf(owner.client);
		expect(log.filter((e) => e.action === "claim_moderator").map((e) => e.actor)).toEqual(["Зоя"]);
		expect((await listsOf(owner.client)).moderators).toEqual([]);
		// The link itself went with her (the probe's finding: a new key would have made her a moderator again).
		const other = await TestClient.join(room, "Ωμέγα", { secret: modLink });
		expect(other.welcome.role).toBe("member");
	});

	it("refuses the owner link and the operator token from a banned device: a ban outranks any link", async () => {
		const { room, secret, owner, member } = await staffedRoom();
		owner.client.send({ type: "ban", target: { name: "SAM" } });
		expect((await member.client.closed).code).toBe(4003);
		await owner.client.waitFor("moderation", (l) => l.bans.length === 1);

		for (const link of [secret, OPERATOR_TOKEN]) {
			const back = await tryJoin(room, "Sam", { user: member.user, secret: link });
			expect(back.welcome).toBeUndefined();
			expect(back.closed?.code).toBe(4003);
		}
		const log = await auditOf(owner.client);
		expect(log.filter((e) => e.action === "claim_owner").map((e) => e.actor)).toEqual(["Émile"]);
		// A public room too: the operator token does not lift a device ban.
		const publicRoom = newRoom();
		const operator = await TestClient.join(publicRoom, "Operator", { secret: OPERATOR_TOKEN });
		const troll = await TestClient.join(publicRoom, "Зоя");
		operator.client.send({ type: "ban", target: { name: "Зоя" } });
		expect((await troll.client.closed).code).toBe(4003);
		const again = await tryJoin(publicRoom, "Зоя", { user: troll.user, secret: OPERATOR_TOKEN });
		expect(again.closed?.code).toBe(4003);
	});
});

/** GET the history endpoint as a page does, from `ip`, with this device's key if given. */
async function readHistory(room: string, query: string, { user, ip = newAddress() }: { user?: string; ip?: string }) {
	const headers: Record<string, string> = { "CF-Connecting-IP": ip };
	if (user !== undefined) headers["X-Hashzap-User"] = user;
	const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?${query}`, { headers });
	const body = (await res.json()) as { messages?: ChatMessage[]; error?: string; reason?: string; until?: number };
	return { status: res.status, body, texts: body.messages?.map((m) => m.text) ?? [] };
}

describe("#27.3 a locked room's history is open to anyone, banned people included", () => {
	it("shows a locked room's history, paged or around a message, only to devices that have been in it", async () => {
		const { room, owner, moderator, member } = await staffedRoom();
		member.client.send({ type: "send", id: "s1", text: "the plan, in secret" });
		const line = await owner.client.message("the plan, in secret");
		owner.client.send({ type: "settings", locked: true });
		await member.client.waitFor("settings", (s) => s.settings.locked);

		for (const query of ["limit=50", `around=${line.seq}&limit=10`]) {
			for (const user of [undefined, `stranger-${crypto.randomUUID()}`]) {
				const refused = await readHistory(room, query, { user });
				expect(refused.status).toBe(403);
				expect(refused.body).toEqual({
					error: "room_locked",
					reason: "This room is locked: only people who have been in it before may read it",
				});
			}
			for (const user of [owner.user, moderator.user, member.user]) {
				const read = await readHistory(room, query, { user });
				expect(read.status).toBe(200);
				expect(read.texts).toContain("the plan, in secret");
			}
		}

		// Unlocked, the room is as public as ever: no device key needed.
		owner.client.send({ type: "settings", locked: false });
		await member.client.waitFor("settings", (s) => !s.settings.locked);
		expect((await readHistory(room, "limit=50", {})).texts).toContain("the plan, in secret");
	});

	it("refuses a banned device and, for members, a banned address with 403 banned, as the socket does", async () => {
		const { room, owner, moderator } = await staffedRoom();
		const ip = newAddress();
		const troll = await TestClient.join(room, "Зоя2", { ip });
		troll.client.send({ type: "send", id: "t1", text: "something vile" });
		await owner.client.message("something vile");
		owner.client.send({ type: "ban", target: { name: "зоя2" }, hours: 24 });
		const lists = await owner.client.waitFor("moderation", (l) => l.bans.length === 1);
		const ban = lists.bans[0];

		// The banned device, from anywhere, unlocked room or not.
		const byDevice = await readHistory(room, "limit=50", { user: troll.user });
		expect(byDevice).toMatchObject({ status: 403, body: { error: "banned", until: ban?.until } });
		expect(byDevice.body.reason).toMatch(/^You are banned from this room until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
		expect(byDevice.texts).toEqual([]);
		// A new device (cleared storage), or none, on the banned address.
		for (const user of [undefined, `fresh-${crypto.randomUUID()}`]) {
			const byAddress = await readHistory(room, "limit=50", { user, ip });
			expect(byAddress).toMatchObject({ status: 403, body: { error: "banned", until: ban?.addressUntil } });
		}
		// Staff are not held by an address ban, on the history endpoint as at the door.
		const staffRead = await readHistory(room, "limit=50", { user: moderator.user, ip });
		expect(staffRead.status).toBe(200);
		expect(staffRead.texts).toContain("something vile");
		// Lifted, the device reads again.
		owner.client.send({ type: "lift", id: ban?.id ?? "" });
		await owner.client.waitFor("moderation", (l) => l.bans.length === 0);
		expect((await readHistory(room, "limit=50", { user: troll.user })).status).toBe(200);
	});

	it("answers a malformed device key with 400, before any room is asked", async () => {
		const { room } = await staffedRoom();
		const read = await readHistory(room, "limit=50", { user: "no spaces allowed" });
		expect(read.status).toBe(400);
		expect(read.body).toEqual({
			error: "invalid_query",
			reason: "X-Hashzap-User must be 8-64 letters, digits, - or _",
		});
	});
});

describe("#27.4 a muted room creator can still post title lines", () => {
	it("refuses a muted creator's title with muted, and nobody sees it; a retry of a title stored before the mute is acknowledged", async () => {
		const room = newRoom();
		const xena = await TestClient.join(room, "Зоя");
		expect(xena.welcome.canSetTitle).toBe(true);
		xena.client.send({ type: "title", id: "before", text: "Book club" });
		const first = await xena.client.waitFor("ack", (a) => a.id === "before");
		const operator = await TestClient.join(room, "Émile", { secret: OPERATOR_TOKEN });
		const sam = await TestClient.join(room, "Sam");
		operator.client.send({ type: "mute", target: { name: "ЗОЯ" }, minutes: 60 });
		await operator.client.waitFor("moderation", (l) => l.mutes.length === 1);

		xena.client.send({ type: "title", id: "spam", text: "BUY CHEAP PILLS at evil.example" });
		xena.client.send({ type: "title", id: "before", text: "Book club" });
		await handled(xena.client);
		expect(errors(xena.client).map((e) => [e.code, e.id])).toEqual([["muted", "spam"]]);
		expect(xena.client.received.filter((m) => m.type === "ack" && m.id === "before")).toEqual([first, first]);
		expect(errors(xena.client, "muted")[0]?.reason).toMatch(/^You are muted until /);

		operator.client.send({ type: "send", id: "o1", text: "after the spam" });
		await sam.client.message("after the spam");
		expect(sam.client.texts()).not.toContain("BUY CHEAP PILLS at evil.example");
		expect((await TestClient.join(room, "Later")).welcome.title).toBe("Book club");
	});

	it("slows a member creator's titles under slow mode, counting titles and messages alike, but not staff's", async () => {
		// A member who made a public room.
		const room = newRoom();
		const sam = await TestClient.join(room, "Sam");
		const operator = await TestClient.join(room, "Émile", { secret: OPERATOR_TOKEN });
		operator.client.send({ type: "settings", slowMode: 60 });
		await sam.client.waitFor("settings", (s) => s.settings.slowMode === 60);
		sam.client.send({ type: "title", id: "t1", text: "First title" });
		await sam.client.waitFor("ack", (a) => a.id === "t1");
		sam.client.send({ type: "title", id: "t2", text: "Second title" });
		sam.client.send({ type: "send", id: "m1", text: "and a message" });
		await handled(sam.client);
		expect(errors(sam.client).map((e) => [e.code, e.id])).toEqual([
			["slow_mode", "t2"],
			["slow_mode", "m1"],
		]);
		expect(errors(sam.client, "slow_mode")[0]?.retryAfter).toBeGreaterThan(50);

		// The owner who made a private room is not slowed.
		const staffed = await staffedRoom();
		staffed.owner.client.send({ type: "settings", slowMode: 60 });
		await staffed.member.client.waitFor("settings", (s) => s.settings.slowMode === 60);
		for (const id of ["o1", "o2"]) staffed.owner.client.send({ type: "title", id, text: `Title ${id}` });
		await staffed.member.client.message("Title o2");

		// Nor a creator who became a moderator.
		const made = newRoom();
		const zoya = await TestClient.join(made, "Зоя");
		const op = await TestClient.join(made, "Op", { secret: OPERATOR_TOKEN });
		op.client.send({ type: "link", kind: "moderator" });
		const link = await op.client.waitFor("link");
		zoya.client.send({ type: "claim", secret: link.secret });
		await zoya.client.waitFor("role", (r) => r.role === "moderator");
		op.client.send({ type: "settings", slowMode: 60 });
		await zoya.client.waitFor("settings", (s) => s.settings.slowMode === 60);
		for (const id of ["z1", "z2"]) zoya.client.send({ type: "title", id, text: `Title ${id}` });
		await op.client.message("Title z2");
		expect(errors(zoya.client)).toEqual([]);
	});
});

describe("#27.6 demoting by name is exact text", () => {
	it("demotes the moderator whose name is the same name by the room's rules (case, NFKC), never a look-alike of it", async () => {
		const room = newPrivateRoom();
		const owner = await TestClient.join(room, "Émile", { secret: newSecret() });
		owner.client.send({ type: "link", kind: "moderator" });
		const link = (await owner.client.waitFor("link")).secret;
		const mods = [];
		for (const name of ["Dana", "Зоя", "Sam"]) mods.push(await TestClient.join(room, name, { secret: link }));
		// "SARN" looks like Sam ("rn" for "m") but is another name: like a mention, it calls no one (#26).
		owner.client.send({ type: "demote", name: "SARN" });
		expect((await owner.client.error("not_found")).reason).toBe("SARN is not a moderator of this room");
		for (const [said, who] of [
			["dana", mods[0]],
			["ЗОЯ", mods[1]],
			["SAM", mods[2]],
		] as const) {
			owner.client.send({ type: "demote", name: said });
			expect(await who?.client.waitFor("role", (r) => r.role === "member")).toEqual({ type: "role", role: "member" });
		}
		expect((await listsOf(owner.client)).moderators).toEqual([]);
		const demoted = (await auditOf(owner.client)).filter((e) => e.action === "demote").map((e) => e.target);
		expect(demoted.sort()).toEqual(["Dana", "Sam", "Зоя"].sort());
	});

	it("demotes a moderator's device by a name it is present under, or the name it last used after leaving", async () => {
		const { room, owner, member, modLink } = await staffedRoom();
		const device = `moddev-${crypto.randomUUID()}`;
		await TestClient.join(room, "Bob", { user: device, secret: modLink });
		const zed = await TestClient.join(room, "Zed", { user: device });
		// The role store last noted "Zed"; the owner sees Bob in the online list.
		owner.client.send({ type: "demote", name: "bob" });
		expect(await zed.client.waitFor("role", (r) => r.role === "member")).toEqual({ type: "role", role: "member" });

		// A moderator who left is found by the name the lists show.
		// Removing Bob revoked the link he came in with: the owner makes a new one.
		owner.client.send({ type: "link", kind: "moderator" });
		const fresh = (await next(owner.client, "link")).secret;
		const away = await TestClient.join(room, "Ἀθηνᾶ", { secret: fresh });
		away.client.close();
		await away.client.closed;
		const listed = next(owner.client, "moderation", (l) => !l.moderators.includes("Ἀθηνᾶ"));
		owner.client.send({ type: "demote", name: "ἀθηνᾶ" });
		await listed;
		const back = await TestClient.join(room, "Ἀθηνᾶ", { user: away.user });
		expect(back.welcome.role).toBe("member");

		// A member is no moderator: not_found, and nothing changes.
		owner.client.send({ type: "demote", name: "sam" });
		expect((await owner.client.error("not_found")).reason).toBe("sam is not a moderator of this room");
		await handled(member.client);
		expect(member.client.received.filter((m) => m.type === "role")).toEqual([]);
	});
});

describe("#27.7 edits get round slow mode", () => {
	it("refuses a member's edit too soon under slow mode like a send; a retry of a stored edit is acknowledged", async () => {
		const { owner, member } = await staffedRoom();
		member.client.send({ type: "send", id: "m1", text: "first" });
		const sent = await member.client.waitFor("ack", (a) => a.id === "m1");
		member.client.send({ type: "edit", id: "e0", seq: sent.seq, text: "first, fixed" });
		const fixed = await member.client.waitFor("ack", (a) => a.id === "e0");
		owner.client.send({ type: "settings", slowMode: 60 });
		await member.client.waitFor("settings", (s) => s.settings.slowMode === 60);

		for (let i = 1; i <= 5; i++) member.client.send({ type: "edit", id: `e${i}`, seq: sent.seq, text: `spam ${i}` });
		member.client.send({ type: "edit", id: "e0", seq: sent.seq, text: "first, fixed" });
		await handled(member.client);
		expect(errors(member.client).map((e) => [e.code, e.id])).toEqual(
			[1, 2, 3, 4, 5].map((i) => ["slow_mode", `e${i}`]),
		);
		expect(errors(member.client)[0]?.reason).toMatch(/^Slow mode is on: you can send again in \d+ s$/);
		expect(member.client.received.filter((m) => m.type === "ack" && m.id === "e0")).toEqual([fixed, fixed]);

		owner.client.send({ type: "send", id: "o1", text: "barrier" });
		await owner.client.message("barrier");
		expect(owner.client.lines().filter((l) => l.kind === "edit")).toHaveLength(1);
	});

	it("counts an accepted edit as speech: the next message waits its turn, also after a restart", async () => {
		const { room, owner, member } = await staffedRoom();
		member.client.send({ type: "send", id: "m1", text: "long ago" });
		const sent = await member.client.waitFor("ack", (a) => a.id === "m1");
		owner.client.send({ type: "settings", slowMode: 60 });
		await member.client.waitFor("settings", (s) => s.settings.slowMode === 60);
		// Two minutes pass: the room forgets its memory and reads the time from the history.
		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		await sql(room, "UPDATE messages SET at = at - 120000");
		const sam = await TestClient.join(room, "Sam", { user: member.user });

		sam.client.send({ type: "edit", id: "e1", seq: sent.seq, text: "long ago, edited" });
		await sam.client.waitFor("ack", (a) => a.id === "e1");
		sam.client.send({ type: "send", id: "m2", text: "right after the edit" });
		expect(await sam.client.error("slow_mode")).toMatchObject({ id: "m2" });

		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		const again = await TestClient.join(room, "Sam", { user: member.user });
		again.client.send({ type: "send", id: "m3", text: "after the restart" });
		expect(await again.client.error("slow_mode")).toMatchObject({ id: "m3" });
	});

	it("slows neither owners' nor moderators' edits, and no one's reactions", async () => {
		const { owner, moderator, member } = await staffedRoom();
		owner.client.send({ type: "settings", slowMode: 60 });
		await member.client.waitFor("settings", (s) => s.settings.slowMode === 60);
		for (const who of [owner, moderator]) {
			who.client.send({ type: "send", id: "s", text: `from ${who.welcome.name}` });
			const { seq } = await who.client.waitFor("ack", (a) => a.id === "s");
			for (const id of ["e1", "e2"]) who.client.send({ type: "edit", id, seq, text: `${id} by ${who.welcome.name}` });
			await member.client.waitForLine(
				(l): l is Change => l.kind === "edit" && "target" in l && l.text === `e2 by ${who.welcome.name}`,
			);
		}
		member.client.send({ type: "send", id: "m1", text: "one message" });
		const { seq } = await member.client.waitFor("ack", (a) => a.id === "m1");
		for (const [id, on] of [
			["r1", true],
			["r2", false],
			["r3", true],
		] as const) {
			member.client.send({ type: "react", id, seq, emoji: "👍", on });
			await member.client.waitFor("ack", (a) => a.id === id);
		}
		expect(errors(member.client)).toEqual([]);
		expect(errors(owner.client)).toEqual([]);
		expect(errors(moderator.client)).toEqual([]);
	});
});

describe("#27.8 a retried send after Clear history is stored twice", () => {
	it("acknowledges a send retried after the history was cleared with its first seq, and stores it once", async () => {
		const { room, owner, moderator, member } = await staffedRoom();
		member.client.send({ type: "send", id: "o1", text: "sent before the clear" });
		const first = await member.client.waitFor("ack", (a) => a.id === "o1");
		moderator.client.send({ type: "clear_history" });
		await member.client.message("The history was cleared by a moderator");

		// The outbox resends what it has not seen confirmed, with its id.
		member.client.send({ type: "send", id: "o1", text: "sent before the clear" });
		member.client.send({ type: "send", id: "o2", text: "after the clear" });
		await owner.client.message("after the clear");
		expect(member.client.received.filter((m) => m.type === "ack" && m.id === "o1")).toEqual([first, first]);
		const cleared = owner.client.lines().findIndex((l) => l.kind === "cleared");
		expect(
			owner.client
				.lines()
				.slice(cleared)
				.map((l) => ("text" in l ? l.text : l.kind)),
		).toEqual(["The history was cleared by a moderator", "after the clear"]);
		expect(await sql(room, "SELECT seq FROM messages WHERE text = ?", "sent before the clear")).toEqual([]);

		// Across a restart too.
		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		const back = await TestClient.join(room, "Sam", { user: member.user });
		back.client.send({ type: "send", id: "o1", text: "sent before the clear" });
		expect(await back.client.waitFor("ack", (a) => a.id === "o1")).toEqual(first);
		back.client.send({ type: "send", id: "o3", text: "marker" });
		await back.client.message("marker");
		expect(back.client.texts()).not.toContain("sent before the clear");
	});
});

describe("#27.8 a retried send after Clear history is stored twice: the kept ids are bounded", () => {
	it("keeps the cleared lines' client ids only as long as their lines would have been kept, without their text", async () => {
		const stub = env.CHAT_ROOM.getByName(newRoom());
		const kept = await runInDurableObject(stub, (_instance, state) => {
			migrate(state.storage.sql);
			const store = new MessageStore(state.storage.sql, 10);
			for (let i = 1; i <= 5; i++) store.append("chat", "Зоя", `n${i}`, { clientId: `dev/${i}`, device: "dev" });
			const cleared = store.append("cleared", "", "The history was cleared by a moderator");
			store.deleteBefore(cleared.seq);
			const afterClear = [1, 5].map((i) => store.seqOfClientId(`dev/${i}`));
			const rows = state.storage.sql.exec("SELECT * FROM cleared_ids ORDER BY seq").toArray();
			// A hundred lines later the trim has passed them: their ids go with them.
			for (let i = 6; i <= 105; i++) store.append("chat", "Sam", `n${i}`);
			return { afterClear, rows, afterTrim: store.seqOfClientId("dev/5") };
		});
		expect(kept.afterClear).toEqual([1, 5]);
		expect(kept.rows).toEqual([1, 2, 3, 4, 5].map((i) => ({ client_id: `dev/${i}`, seq: i })));
		expect(kept.afterTrim).toBeUndefined();
	});
});

/** A device's push subscription at the test push service (vitest.config.ts). */
async function subscribeFrame(level: Exclude<NotifyLevel, "off"> = "all"): Promise<ClientMessage> {
	const keys = await deviceKeys();
	return {
		type: "subscribe",
		subscription: {
			endpoint: `https://push.test/send/${crypto.randomUUID()}`,
			keys: { p256dh: keys.p256dh, auth: keys.auth },
		},
		level,
		preview: false,
	};
}

/** Joins from `ip`, subscribes, and waits until the room has handled it; the socket stays open unless `away`. */
async function subscribed(room: string, name: string, ip: string, { away = true } = {}) {
	const joined = await TestClient.join(room, name, { ip });
	joined.client.send(await subscribeFrame());
	await handled(joined.client);
	if (away) {
		joined.client.close();
		await joined.client.closed;
	}
	return joined;
}

const subscribers = async (room: string) =>
	(await sql<{ user_key: string }>(room, "SELECT user_key FROM push_subscriptions")).map((r) => r.user_key).sort();

/** Moves the time a device last joined the room into the past. */
const joinedAgo = (room: string, user: string, ms: number) =>
	sql(room, "UPDATE visitors SET at = at - ? WHERE user_key = ?", ms, user);

describe("#27.9 push subscriptions can be flooded", () => {
	// vitest.config.ts: PUSH_SUBSCRIPTIONS_PER_ADDRESS 2, PUSH_MAX_SUBSCRIPTIONS 8.
	it("keeps at most two subscriptions from one address: a third device replaces the one that joined least recently", async () => {
		const room = newRoom();
		const flooder = newAddress();
		const neighbour = await subscribed(room, "Émile", newAddress());
		const a = await subscribed(room, "Зоя", flooder);
		const b = await subscribed(room, "Sam", flooder);
		await joinedAgo(room, a.user, 60_000);
		const c = await subscribed(room, "Ωμέγα", flooder);
		expect(errors(c.client)).toEqual([]);
		expect(await subscribers(room)).toEqual([neighbour.user, b.user, c.user].sort());
	});

	it("never replaces the subscription of a device that is present: one more from a full address is refused", async () => {
		const room = newRoom();
		const ip = newAddress();
		const a = await subscribed(room, "Зоя", ip, { away: false });
		const b = await subscribed(room, "Sam", ip, { away: false });
		const c = await subscribed(room, "Émile", ip, { away: false });
		expect(errors(c.client, "invalid_subscription").map((e) => e.reason)).toEqual([
			"Too many devices at your address have notifications on in this room",
		]);
		expect(await subscribers(room)).toEqual([a.user, b.user].sort());
		// A device already subscribed may change its subscription.
		a.client.send(await subscribeFrame("mentions"));
		await handled(a.client);
		expect(errors(a.client)).toEqual([]);
	});

	it("makes room in a full room for a present member by dropping the subscription of the device away longest", async () => {
		const room = newRoom();
		const away = [];
		for (let i = 0; i < 8; i++) away.push(await subscribed(room, `Away ${i}`, newAddress()));
		const oldest = away[3];
		await joinedAgo(room, oldest?.user ?? "", 3_600_000);
		const member = await subscribed(room, "Зоя", newAddress(), { away: false });
		expect(errors(member.client)).toEqual([]);
		const kept = await subscribers(room);
		expect(kept).toHaveLength(8);
		expect(kept).toContain(member.user);
		expect(kept).not.toContain(oldest?.user);
	});

	it("refuses a ninth subscription only when all eight devices are present", async () => {
		const room = newRoom();
		const present = [];
		for (let i = 0; i < 8; i++) present.push(await subscribed(room, `Here ${i}`, newAddress(), { away: false }));
		const late = await subscribed(room, "Sam", newAddress(), { away: false });
		expect(errors(late.client, "invalid_subscription").map((e) => e.reason)).toEqual([
			"This room has as many push subscriptions as it keeps",
		]);
		expect(await subscribers(room)).toEqual(present.map((p) => p.user).sort());
	});

	it("drops the subscriptions of devices that have not joined for 30 days, but never a present device's", async () => {
		const room = newRoom();
		const gone = await subscribed(room, "Зоя", newAddress());
		const here = await subscribed(room, "Émile", newAddress(), { away: false });
		const recent = await subscribed(room, "Sam", newAddress());
		for (const who of [gone, here]) await joinedAgo(room, who.user, 31 * 24 * 3_600_000);
		await sql(room, "INSERT INTO push_held (user_key, seq, mention) VALUES (?, 1, 0)", gone.user);
		const newcomer = await subscribed(room, "Ωμέγα", newAddress());
		expect(await subscribers(room)).toEqual([here.user, recent.user, newcomer.user].sort());
		expect(await sql(room, "SELECT * FROM push_held WHERE user_key = ?", gone.user)).toEqual([]);
	});
});

/**
 * What a hostile moderator tried after these fixes (the probe of #27): the
 * ban held for the one device, not for the person, who keeps the moderator
 * link and can make device keys for free.
 */
describe("#27 probe: a person, not only a device, loses what a ban or a removal takes", { timeout: 30_000 }, () => {
	it("a banned moderator's link stops working: a new device key with it is no moderator, and cannot lift the ban", async () => {
		const { room, owner, moderator, modLink } = await staffedRoom();
		owner.client.send({ type: "ban", target: { name: "Зоя" } });
		await moderator.client.closed;
		const lists = await owner.client.waitFor("moderation", (l) => l.bans.length === 1);
		expect(lists.moderatorLink).toBe(false);
		// Same person, new key, the link the page kept: the link is no longer valid.
		const again = await TestClient.open(room);
		again.send({ type: "claim", secret: modLink });
		expect((await again.error("bad_secret")).reason).toBe("This link is not valid: it may have been replaced");
		again.send({ type: "join", name: "Zoe", user: `dev-${crypto.randomUUID()}` });
		expect((await again.waitFor("welcome")).role).toBe("member");
		again.send({ type: "lift", id: lists.bans[0]?.id ?? "" });
		expect((await again.error("forbidden")).reason).toBe("Only the room's owner and moderators can do that");
		const audit = await auditOf(owner.client);
		expect(audit.map((e) => e.action)).toContain("revoke_moderator_link");
	});

	it("a removed moderator's link stops working too: the page's next claim gets bad_secret, not the role back", async () => {
		const { room, owner, moderator, modLink } = await staffedRoom();
		owner.client.send({ type: "demote", name: "Зоя" });
		await moderator.client.waitFor("role", (r) => r.role === "member");
		moderator.client.send({ type: "claim", secret: modLink });
		await moderator.client.error("bad_secret");
		await handled(moderator.client);
		expect(moderator.client.received.filter((m) => m.type === "role").map((m) => m.type === "role" && m.role)).toEqual([
			"member",
		]);
		// The owner can invite moderators again with a new link.
		owner.client.send({ type: "link", kind: "moderator" });
		const fresh = (await next(owner.client, "link")).secret;
		const next2 = await TestClient.join(room, "Nadia", { secret: fresh });
		expect(next2.welcome.role).toBe("moderator");
	});

	it("lifts only what the lifter outranks: a moderator cannot free a moderator the owner muted, not even from a second key", async () => {
		const { room, owner, moderator, modLink } = await staffedRoom();
		const carl = await TestClient.join(room, "Carl", { secret: modLink });
		owner.client.send({ type: "mute", target: { name: "Зоя" }, minutes: 5 });
		const lists = await owner.client.waitFor("moderation", (l) => l.mutes.length === 1);
		const id = lists.mutes[0]?.id ?? "";
		carl.client.send({ type: "lift", id });
		expect((await carl.client.error("forbidden")).reason).toBe(
			"You can only lift what holds people below you: not yourself, an owner or a fellow moderator",
		);
		const secondKey = await TestClient.join(room, "Zoya two", { secret: modLink });
		secondKey.client.send({ type: "lift", id });
		await secondKey.client.error("forbidden");
		owner.client.send({ type: "lift", id });
		await owner.client.waitFor("moderation", (l) => l.mutes.length === 0);
		moderator.client.send({ type: "send", id: "free", text: "free again" });
		await owner.client.message("free again");
	});

	it("a room that has had visitors is never given to a first claim: not to a banned device, not to a bare socket", async () => {
		const room = newPrivateRoom();
		// A private-looking name whose creator never registered an owner secret: people have been in it.
		const ana = await TestClient.join(room, "Ana");
		ana.client.send({ type: "send", id: "a1", text: "hello" });
		await ana.client.message("hello");
		const squatter = await TestClient.open(room);
		squatter.send({ type: "claim", secret: newSecret() });
		expect((await squatter.error("bad_secret")).reason).toBe("This link is not valid: it may have been replaced");
		squatter.send({ type: "join", name: "Squatter", user: `dev-${crypto.randomUUID()}` });
		expect((await squatter.waitFor("welcome")).role).toBe("member");
		// A fresh private room is still its first claimant's (New private room).
		const fresh = newPrivateRoom();
		expect((await TestClient.join(fresh, "Maker", { secret: newSecret() })).welcome.role).toBe("owner");
	});

	it("owners and moderators may retitle the room: an abusive title set by its creator can be replaced", async () => {
		const room = newRoom();
		const creator = await TestClient.join(room, "Xena");
		creator.client.send({ type: "title", id: "t1", text: "BUY CHEAP PILLS at evil.example" });
		await creator.client.message("BUY CHEAP PILLS at evil.example");
		const op = await TestClient.join(room, "Op", { secret: OPERATOR_TOKEN });
		expect(op.welcome.canSetTitle).toBe(true);
		op.client.send({ type: "title", id: "t2", text: "Hiking club" });
		await creator.client.message("Hiking club");
		const newcomer = await TestClient.join(room, "New");
		expect(newcomer.welcome.title).toBe("Hiking club");
		// A member who did not make the room still may not.
		newcomer.client.send({ type: "title", id: "t3", text: "Mine now" });
		expect((await newcomer.client.error("not_creator")).id).toBe("t3");
	});

	it("a muted member may still take back their own reaction, and nothing else", async () => {
		const { owner, member } = await staffedRoom();
		owner.client.send({ type: "send", id: "o1", text: "react to me" });
		const line = await member.client.message("react to me");
		member.client.send({ type: "react", id: "r1", seq: line.seq, emoji: "👍", on: true });
		await member.client.waitFor("ack", (a) => a.id === "r1");
		owner.client.send({ type: "mute", target: { name: "Sam" }, minutes: 5 });
		await owner.client.waitFor("moderation", (l) => l.mutes.length === 1);
		member.client.send({ type: "react", id: "r2", seq: line.seq, emoji: "❤️", on: true });
		expect((await member.client.error("muted")).id).toBe("r2");
		member.client.send({ type: "react", id: "r3", seq: line.seq, emoji: "👍", on: false });
		await member.client.waitFor("ack", (a) => a.id === "r3");
	});

	it("history over HTTP is never cached: private, no-store, and varies with the device key", async () => {
		const { room } = await staffedRoom();
		const res = await exports.default.fetch(`http://example.com/api/rooms/${room}/messages?limit=5`, {
			headers: { "CF-Connecting-IP": newAddress() },
		});
		expect(res.status).toBe(200);
		expect(res.headers.get("Cache-Control")).toBe("private, no-store");
		expect(res.headers.get("Vary")).toContain("X-Hashzap-User");
	});

	it("refuses what has no meaning with a clear reason: revoking the owner link, a blank name to act on", async () => {
		const { owner } = await staffedRoom();
		owner.client.send({ type: "link", kind: "owner", revoke: true } as unknown as ClientMessage);
		expect((await owner.client.error("invalid_frame")).reason).toBe("revoke: Only the moderator link can be revoked");
		owner.client.send({ type: "kick", target: { name: "  " } });
		expect((await next(owner.client, "error")).reason).toBe("target: Say whom to act on");
		owner.client.send({ type: "demote", name: "" });
		expect(await next(owner.client, "error")).toMatchObject({
			code: "invalid_name",
			reason: "Say whom to remove as moderator",
		});
	});
});
