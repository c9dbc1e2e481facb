import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RECONNECT } from "../protocol";
import { roomConfig } from "../worker/config";
import { elapse, newAddress, newRoom, TestClient } from "./ws-client";

/** The grace period as configured (wrangler.toml): tests let it pass through the room's alarm, never by waiting. */
const GRACE = roomConfig(env).leaveGraceMs;

/** Waits until `observer` hears a marker said after everything before it: what it heard by then is all it will hear. */
async function barrier(speaker: TestClient, observer: TestClient) {
	const text = `marker ${crypto.randomUUID()}`;
	speaker.send({ type: "send", id: text.replace(/\W/g, "-"), text });
	await observer.message(text);
}

const lefts = (client: TestClient) => client.texts().filter((t) => t.endsWith(" left the chat"));

describe("presence", () => {
	it("counts one person with two tabs once, announcing neither the second tab nor its closing", async () => {
		const room = newRoom();
		const { client: bruno } = await TestClient.join(room, "Bruno");
		const { client: tab1, user } = await TestClient.join(room, "Ana");
		const { client: tab2, welcome } = await TestClient.join(room, "Ana", { user });
		expect(welcome.online).toEqual(["Ana", "Bruno"]);

		tab2.close();
		await tab2.closed;
		// Ana still has a tab: no departure is even scheduled, and a whole grace period later nothing is said.
		const alarm = await runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) => state.storage.getAlarm());
		expect(alarm).toBeNull();
		await elapse(room, GRACE);
		await barrier(tab1, bruno);
		expect(bruno.texts().filter((t) => t === "Ana joined the chat")).toHaveLength(1);
		expect(lefts(bruno)).toEqual([]);

		tab1.close();
		await tab1.closed;
		await elapse(room, GRACE);
		expect(await bruno.message("Ana left the chat")).toMatchObject({ kind: "leave", name: "Ana" });
		const carla = await TestClient.join(room, "Carla");
		expect(carla.welcome.online).toEqual(["Bruno", "Carla"]);
	});

	it("says nothing when someone reconnects within the grace period", async () => {
		const room = newRoom();
		const { client: bruno } = await TestClient.join(room, "Bruno");
		const { client: ana, user } = await TestClient.join(room, "Ana");
		ana.close();
		await ana.closed;
		await elapse(room, GRACE - 1000);
		const back = await TestClient.join(room, "Ana", { user });
		expect(back.welcome.online).toContain("Ana");
		// The grace period ends with Ana back: no leave.
		await elapse(room, GRACE);
		await barrier(back.client, bruno);
		expect(lefts(bruno)).toEqual([]);
		expect(bruno.texts().filter((t) => t === "Ana joined the chat")).toHaveLength(1);
	});

	it("says who left once the grace period is over, and not a moment before", async () => {
		const room = newRoom();
		const { client: bruno } = await TestClient.join(room, "Bruno");
		const { client: ana } = await TestClient.join(room, "Ana");
		ana.close();
		await ana.closed;
		await elapse(room, GRACE - 1000);
		await barrier(bruno, bruno);
		expect(lefts(bruno)).toEqual([]);
		await elapse(room, 1000);
		expect(await bruno.message("Ana left the chat")).toMatchObject({ kind: "leave" });
	});

	it("waits longer than the client's slowest way back: a backoff wait at its cap, then a connect timeout", () => {
		expect(GRACE).toBeGreaterThan(RECONNECT.maxMs + RECONNECT.connectTimeoutMs);
	});

	it("keeps names unique, case-insensitively and after NFKC normalization, and lets the refused client try again", async () => {
		const room = newRoom();
		await TestClient.join(room, "Ana");
		for (const name of ["ana", "ANA", " Ａｎａ "]) {
			const other = await TestClient.open(room);
			other.send({ type: "join", name, user: "someone-else-1" });
			const refused = await other.error("name_taken");
			expect(refused.reason).toContain("is taken");
			other.send({ type: "join", name: `${name.trim()}2`, user: "someone-else-1" });
			await other.waitFor("welcome");
			other.close();
		}
	});

	it("holds a name through its owner's grace period", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		ana.close();
		await ana.closed;
		const other = await TestClient.open(room);
		other.send({ type: "join", name: "Ana", user: "impostor-1234" });
		await other.error("name_taken");
		await elapse(room, GRACE);
		other.send({ type: "join", name: "Ana", user: "impostor-1234" });
		await other.waitFor("welcome");
	});

	it("after a restart that drops every socket, greets no one twice and says who did not come back", async () => {
		const room = newRoom();
		const { client: ana, user } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		await ana.message("Bruno joined the chat");
		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		await Promise.all([ana.closed, bruno.closed]);

		const back = await TestClient.join(room, "Ana", { user, since: 2 });
		expect(back.welcome.reset).toBe(false);
		expect(back.welcome.online).toEqual(["Ana", "Bruno"]);
		await elapse(room, GRACE);
		expect(await back.client.message("Bruno left the chat")).toMatchObject({ kind: "leave" });
		const { welcome } = await TestClient.join(room, "Carla");
		expect(welcome.messages.map((m) => m.text)).toEqual([
			"Ana joined the chat",
			"Bruno joined the chat",
			"Bruno left the chat",
		]);
		expect(welcome.online).toEqual(["Ana", "Carla"]);
	});

	it("announces no one of six people who come back by themselves after a 15 s outage, each at their own time", async () => {
		const room = newRoom();
		const names = ["Ana", "Bruno", "Carla", "Davi", "Elis", "Fábio"];
		const people = [];
		for (const name of names) people.push(await TestClient.join(room, name));
		const seq = (await people[0]?.client.message("Fábio joined the chat"))?.seq ?? 0;
		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		await Promise.all(people.map((p) => p.client.closed));

		// The room wakes with the first to return. The others' backoff waits run anywhere up to its cap, and the
		// try that ran into the outage's end may still have to time out: the last is back that long after the first.
		const latest = RECONNECT.maxMs + RECONNECT.connectTimeoutMs;
		const back: TestClient[] = [];
		let now = 0;
		for (const [i, p] of people.entries()) {
			const at = (latest * i) / (people.length - 1);
			await elapse(room, at - now);
			now = at;
			back.push((await TestClient.join(room, names[i] ?? "", { user: p.user, since: seq })).client);
		}
		await elapse(room, GRACE);
		const [first, last] = [back[0] as TestClient, back.at(-1) as TestClient];
		await barrier(last, first);
		expect(lefts(first)).toEqual([]);
		expect(first.texts().filter((t) => t.endsWith(" joined the chat"))).toEqual([]);
	});

	it("refuses a second join on the same connection", async () => {
		const { client } = await TestClient.join(newRoom(), "Ana");
		client.send({ type: "join", name: "Other", user: "user-other-1" });
		await client.error("already_joined");
	});
});

describe("churn", () => {
	it("charges a new arrival for both lines it writes: joins from one address stay within half its frame budget", async () => {
		const room = newRoom();
		const ip = newAddress();
		const { client: watcher } = await TestClient.join(room, "Watcher");
		const burst = Number(env.IP_RATE_BURST);
		const perSecond = Number(env.IP_RATE_PER_SECOND);
		let welcomed = 0;
		let limited = 0;
		const started = Date.now();
		// Rounds of 19 sockets (under the per-room cap), each joining once under a new name, then all leaving.
		for (let round = 0; round < 4 && limited === 0; round++) {
			const sockets = await Promise.all(Array.from({ length: 19 }, () => TestClient.open(room, { ip })));
			sockets.forEach((s, k) => {
				s.send({ type: "join", name: `Churn ${round}-${k}`, user: `churn-${round}-${k}` });
			});
			const answers = await Promise.all(sockets.map((s) => Promise.race([s.waitFor("welcome"), s.waitFor("error")])));
			welcomed += answers.filter((a) => a.type === "welcome").length;
			limited += answers.filter((a) => a.type === "error" && a.code === "rate_limited").length;
			for (const s of sockets) s.close();
			await Promise.all(sockets.map((s) => s.closed));
		}
		const seconds = (Date.now() - started) / 1000;
		expect(limited).toBeGreaterThan(0);
		// Every welcome wrote a "joined" line and will write a "left" one: two tokens each. The room forgets
		// an address with its last socket, so from one round to the next the count is the address's
		// RateLimiter's, which is charged a batch (a tenth of the burst) at a time, off the message path.
		const batch = Math.ceil(burst / 10);
		expect(2 * welcomed).toBeLessThanOrEqual(burst + perSecond * seconds + batch);
		watcher.close();
	});
});

describe("typing", () => {
	it("tells the others, not the typist, and stores nothing", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		ana.send({ type: "typing" });
		expect(await bruno.waitFor("typing")).toEqual({ type: "typing", name: "Ana" });
		ana.send({ type: "send", id: "m", text: "marker" });
		await ana.message("marker");
		expect(ana.received.filter((m) => m.type === "typing")).toEqual([]);

		const { welcome } = await TestClient.join(room, "Carla");
		expect(welcome.messages.map((m) => m.kind)).not.toContain("typing");
		expect(welcome.messages.filter((m) => m.kind === "chat").map((m) => m.text)).toEqual(["marker"]);
	});

	it("passes on at most one typing frame a second from a connection", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		for (let i = 0; i < 5; i++) ana.send({ type: "typing" });
		ana.send({ type: "send", id: "m", text: "marker" });
		await bruno.message("marker");
		expect(bruno.received.filter((m) => m.type === "typing")).toHaveLength(1);
	});
});
