/**
 * Floods: token buckets per connection and per address (in a room at once,
 * across rooms through the address's RateLimiter), the cap on sockets per
 * address in a room, and a room that keeps serving everyone else meanwhile.
 * The rates are the wrangler.toml defaults: 20 frames then 5/s per
 * connection, 60 then 15/s per address, 50 refusals in a row to be closed.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { roomConfig } from "../worker/config";
import { addressKey } from "../worker/limits/rate-limiter";
import { charge, fullBucket, take } from "../worker/limits/token-bucket";
import { count, discard, elapse, newAddress, newRoom, rateLimited, TestClient, upgrade } from "./ws-client";

const config = roomConfig(env);

describe("the token bucket", () => {
	const rate = { burst: 3, perSecond: 2 };

	it("lets a burst through at once, then one frame per 1/rate seconds, from timestamps alone", () => {
		const bucket = fullBucket(rate, 1000);
		expect([take(bucket, rate, 1000), take(bucket, rate, 1000), take(bucket, rate, 1000)]).toEqual([0, 0, 0]);
		expect(take(bucket, rate, 1000)).toBe(500);
		expect(take(bucket, rate, 1250)).toBe(250);
		expect(take(bucket, rate, 1500)).toBe(0);
		expect(take(bucket, rate, 1500)).toBe(500);
		// Idle for long, it holds no more than the burst.
		expect(take(bucket, rate, 60_000)).toBe(0);
		expect(bucket.tokens).toBe(2);
	});

	it("mints nothing when the clock steps back", () => {
		const bucket = fullBucket(rate, 5000);
		for (let i = 0; i < 3; i++) take(bucket, rate, 5000);
		expect(take(bucket, rate, 1000)).toBe(500);
		expect(take(bucket, rate, 5000)).toBe(500);
		expect(take(bucket, rate, 5500)).toBe(0);
	});

	it("charges frames already let through into debt, paid back by waiting longer", () => {
		const bucket = fullBucket(rate, 0);
		expect(charge(bucket, rate, 0, 2)).toBe(0);
		// 1 - 4 = -3 tokens: two seconds until one is there again.
		expect(charge(bucket, rate, 0, 4)).toBe(2000);
		expect(charge(bucket, rate, 1000, 0)).toBe(1000);
		expect(take(bucket, rate, 1000)).toBe(1000);
		expect(take(bucket, rate, 2000)).toBe(0);
	});
});

describe("client addresses", () => {
	it("limits an IPv4 address as it is, and an IPv6 address by its /64", () => {
		expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
		expect(addressKey("2001:db8:aa:bb:1:2:3:4")).toBe("2001:db8:aa:bb::/64");
		expect(addressKey("2001:DB8:AA:BB:ffff:ffff:ffff:ffff")).toBe("2001:db8:aa:bb::/64");
		expect(addressKey("2001:0db8:00aa:00bb::1")).toBe("2001:db8:aa:bb::/64");
		expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
		expect(addressKey("::1")).toBe("0:0:0:0::/64");
		expect(addressKey("::ffff:198.51.100.4")).toBe("198.51.100.4");
		expect(addressKey("64:ff9b::198.51.100.4")).toBe("64:ff9b:0:0::/64");
	});

	it("keeps anything else as given, cut short, and a missing address as one", () => {
		expect(addressKey(null)).toBe("unknown");
		expect(addressKey("")).toBe("unknown");
		expect(addressKey("1::2::3")).toBe("1::2::3");
		expect(addressKey("x".repeat(500))).toHaveLength(64);
	});
});

describe("limits are configuration", () => {
	it("reads every limit from wrangler vars, falling back to the defaults on nonsense", () => {
		const raised = roomConfig({
			...env,
			RATE_BURST: "1000",
			RATE_PER_SECOND: "500",
			IP_RATE_BURST: "5000",
			IP_RATE_PER_SECOND: "2500",
			RATE_STRIKES_TO_CLOSE: "10",
			MAX_SOCKETS_PER_IP: "2000",
		});
		expect(raised).toMatchObject({
			connectionRate: { burst: 1000, perSecond: 500 },
			ipRate: { burst: 5000, perSecond: 2500 },
			strikesToClose: 10,
			maxSocketsPerIp: 2000,
		});
		const nonsense = roomConfig({ ...env, RATE_BURST: "lots", IP_RATE_PER_SECOND: "-1", MAX_SOCKETS_PER_IP: "" });
		expect(nonsense).toMatchObject({ connectionRate: { burst: 20 }, ipRate: { perSecond: 15 }, maxSocketsPerIp: 20 });
	});
});

/** Sends `n` typing frames from a socket that has not joined: each is answered not_joined, or rate_limited. */
function knock(client: TestClient, n: number): Promise<void> {
	const before = count(client, "error");
	for (let i = 0; i < n; i++) client.send({ type: "typing" });
	return client.until(() => count(client, "error") - before >= n, `${n} more errors`);
}

describe("rate limits per connection", () => {
	it("lets a burst through, then answers rate_limited with retryAfter and keeps the socket open", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: mallory } = await TestClient.join(room, "Mallory");
		const sent = config.connectionRate.burst + 5;
		for (let i = 0; i < sent; i++) mallory.send({ type: "send", id: `m${i}`, text: `spam ${i}` });
		await mallory.until(
			() => count(mallory, "ack") + rateLimited(mallory) === sent,
			`an ack or a rate_limited error for each of ${sent} frames`,
		);

		const refused = await mallory.error("rate_limited");
		expect(refused).toMatchObject({ reason: "You are sending too fast; wait a moment", retryAfter: 1 });
		// The join took two tokens (a new arrival pays for its "left" line too); a token refilled meanwhile may let one more through.
		expect(count(mallory, "ack")).toBeGreaterThanOrEqual(config.connectionRate.burst - 2);
		expect(count(mallory, "ack")).toBeLessThan(sent);
		// Still open, still receiving; refused lines were neither stored nor sent to anyone.
		ana.send({ type: "send", id: "a1", text: "are you still there?" });
		await Promise.all([mallory.message("are you still there?"), ana.message("are you still there?")]);
		expect(mallory.ws.readyState).toBe(WebSocket.OPEN);
		const acked = mallory.received.flatMap((m) => (m.type === "ack" ? [`spam ${m.id.slice(1)}`] : []));
		expect(ana.texts().filter((t) => t.startsWith("spam "))).toEqual(acked);
	});

	it("closes a socket that keeps going after being refused with 1008, and the room keeps serving", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		const mallory = await TestClient.open(room);
		// Far more than burst + strikes, in case a token refills midway and starts the count again.
		for (let i = 0; i < config.connectionRate.burst + 3 * config.strikesToClose; i++) {
			mallory.sendRaw("not json at all");
		}
		const closed = await mallory.closed;
		expect(closed).toMatchObject({ code: 1008, reason: "Too many messages" });
		// The last refusal closes instead of answering; a refill may have reset the count once.
		expect(rateLimited(mallory)).toBeGreaterThanOrEqual(config.strikesToClose - 1);
		ana.send({ type: "send", id: "a1", text: "quiet again" });
		await bruno.message("quiet again");
	});
});

describe("rate limits per address", () => {
	it("shares one budget among an address's sockets in a room, and leaves other addresses alone", async () => {
		const room = newRoom();
		const ip = newAddress();
		// Each socket stays under its own burst; together they are well over the address's.
		const sockets = await Promise.all(Array.from({ length: 6 }, () => TestClient.open(room, { ip })));
		const each = config.connectionRate.burst - 1;
		await Promise.all(sockets.map((s) => knock(s, each)));
		const refused = sockets.reduce((n, s) => n + rateLimited(s), 0);
		expect(refused).toBeGreaterThan(0);
		expect(refused).toBeLessThanOrEqual(sockets.length * each - config.ipRate.burst);

		const neighbour = await TestClient.open(room);
		await knock(neighbour, each);
		expect(rateLimited(neighbour)).toBe(0);
	});

	it("counts an address's frames in every room together", async () => {
		const ip = newAddress();
		// Five rooms, each under its own limits for this address (19 < 20 < 60), 95 frames in all.
		const elsewhere = await Promise.all(Array.from({ length: 5 }, () => TestClient.open(newRoom(), { ip })));
		await Promise.all(elsewhere.map((s) => knock(s, config.connectionRate.burst - 1)));
		expect(elsewhere.length * (config.connectionRate.burst - 1)).toBeGreaterThan(config.ipRate.burst + 15);

		// A fresh room, where neither this socket's nor this address's own bucket has been touched,
		// refuses the address as soon as its RateLimiter has answered the room's first charge.
		const room = newRoom();
		const probe = await TestClient.open(room, { ip });
		for (let i = 0; i < config.connectionRate.burst - 1 && rateLimited(probe) === 0; i++) await knock(probe, 1);
		expect(rateLimited(probe)).toBe(1);
		expect(await probe.error("rate_limited")).toMatchObject({ retryAfter: expect.any(Number) });
		expect(probe.ws.readyState).toBe(WebSocket.OPEN);

		const neighbour = await TestClient.open(room);
		await knock(neighbour, 5);
		expect(rateLimited(neighbour)).toBe(0);
	});

	it("keeps the address's budget in its RateLimiter: credit for rooms while there is some, then a wait", async () => {
		const limiter = env.RATE_LIMITER.getByName(addressKey(newAddress()));
		// A room that let one frame through asks for a tenth of the burst in advance.
		expect(await limiter.charge(1, 6)).toEqual({ granted: 6, wait: 0 });
		const rest = await limiter.charge(0, 1000);
		expect(rest.granted).toBeGreaterThanOrEqual(config.ipRate.burst - 7);
		// Nothing left: frames rooms let through meanwhile go into debt, and no credit is granted.
		const over = await limiter.charge(5, 6);
		expect(over.granted).toBe(0);
		expect(over.wait).toBeGreaterThan(0);
		// 35 frames in debt at 15/s: more than two seconds before the next is allowed.
		const { granted, wait } = await limiter.charge(30, 6);
		expect(granted).toBe(0);
		expect(wait).toBeGreaterThan(2000);
		expect(wait).toBeLessThanOrEqual(Math.ceil((36 / config.ipRate.perSecond) * 1000));
	});
});

describe("sockets per address", () => {
	it("caps an address's open sockets in a room with 429, and frees a place when one closes", async () => {
		const room = newRoom();
		const ip = newAddress();
		const sockets = await Promise.all(
			Array.from({ length: config.maxSocketsPerIp }, () => TestClient.open(room, { ip })),
		);

		const refused = await upgrade(room, { "CF-Connecting-IP": ip });
		expect(refused.status).toBe(429);
		expect(await refused.json()).toEqual({
			error: "too_many_connections",
			reason: "Too many open connections from your address in this room",
		});
		// Another address, and the same address in another room, are not affected.
		const others = [
			await upgrade(room, { "CF-Connecting-IP": newAddress() }),
			await upgrade(newRoom(), { "CF-Connecting-IP": ip }),
		];
		for (const res of others) {
			expect(res.status).toBe(101);
			discard(res);
		}

		sockets[0]?.close();
		await sockets[0]?.closed;
		const again = await upgrade(room, { "CF-Connecting-IP": ip });
		expect(again.status).toBe(101);
		discard(again);
	});
});

describe("a flood", () => {
	it("leaves everyone else receiving every message, in order, with nothing lost", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		const { client: bruno } = await TestClient.join(room, "Bruno");
		const { client: carla, welcome } = await TestClient.join(room, "Carla");
		const { client: mallory } = await TestClient.join(room, "Mallory");

		const each = 15;
		const expected = { Ana: [] as string[], Bruno: [] as string[] };
		for (let i = 0; i < 400; i++) {
			mallory.send({ type: "send", id: `m${i}`, text: `flood ${i}` });
			if (i % 3 === 0) mallory.sendRaw(`{"type":"send","id":"x${i}"`);
			if (i % 25 === 0 && expected.Ana.length < each) {
				for (const [name, client] of [
					["Ana", ana],
					["Bruno", bruno],
				] as const) {
					const text = `${name} says ${expected[name].length + 1}`;
					client.send({ type: "send", id: `${name}-${expected[name].length}`, text });
					expected[name].push(text);
				}
			}
		}
		expect((await mallory.closed).code).toBe(1008);
		const last = [...expected.Ana, ...expected.Bruno];
		for (const c of [ana, bruno, carla]) {
			await c.until(() => last.every((t) => c.texts().includes(t)), `the lines ${last.join(", ")}`);
			for (const name of ["Ana", "Bruno"] as const) {
				expect(c.texts().filter((t) => t.startsWith(`${name} says `))).toEqual(expected[name]);
			}
			expect(c.received.filter((m) => m.type === "error")).toEqual([]);
		}
		// Carla saw every line the room stored since she joined, gap-free and in order.
		const seqs = carla.lines().map((m) => m.seq);
		expect(seqs).toEqual(seqs.map((_, i) => welcome.seq + 1 + i));
		// The flooder is gone from the room, not left listed as online.
		await elapse(room, config.leaveGraceMs);
		await carla.message("Mallory left the chat");
	});
});
