/**
 * The per-address throttles and caps at the edge, answered by the worker
 * before a room is reached: the history endpoint's rate (the Rate Limiting
 * binding), WebSocket upgrades per address, and open sockets per address
 * across all rooms (both kept by the address's RateLimiter). The workers
 * project lowers MAX_SOCKETS_PER_IP_TOTAL to 25 (vitest.config.ts) so that
 * the cap is reached by upgrades, under the upgrade burst.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { addressLimits } from "../worker/config";
import { addressKey } from "../worker/limits/rate-limiter";
import { discard, newAddress, newRoom, TestClient, upgrade } from "./ws-client";

const limits = addressLimits(env);
/** The HISTORY_RATE binding's limit per period (wrangler.toml). */
const HISTORY_PER_PERIOD = 30;

function history(room: string, ip: string) {
	return exports.default.fetch(`http://example.com/api/rooms/${room}/messages?limit=10`, {
		headers: { "CF-Connecting-IP": ip },
	});
}

/** Open sockets the address's RateLimiter counts, once the rooms' reports of closed ones are in. */
function counted(ip: string) {
	return env.RATE_LIMITER.getByName(addressKey(ip)).openSockets();
}

describe("the history endpoint", () => {
	it("is throttled per address with 429 and Retry-After, and other addresses are still served", async () => {
		const ip = newAddress();
		let served = 0;
		let refused: Response | undefined;
		// The binding counts in fixed windows: within two windows' worth, one window must run out.
		for (let i = 0; i <= 2 * HISTORY_PER_PERIOD && !refused; i++) {
			const res = await history(newRoom(), ip);
			if (res.status === 429) refused = res;
			else {
				expect(res.status).toBe(200);
				served += 1;
			}
		}
		expect(refused?.status).toBe(429);
		expect(await refused?.json()).toEqual({
			error: "too_many_requests",
			reason: "Too many history requests from your address; wait a moment",
		});
		expect(Number(refused?.headers.get("Retry-After"))).toBeGreaterThan(0);
		expect(served).toBeGreaterThanOrEqual(HISTORY_PER_PERIOD);
		expect((await history(newRoom(), newAddress())).status).toBe(200);
	});

	it("stores nothing for a room nobody has entered, whatever name is probed", async () => {
		const room = newRoom();
		const res = await history(room, newAddress());
		expect(await res.json()).toEqual({ messages: [], hasMore: false });
		const tables = await runInDurableObject(env.CHAT_ROOM.getByName(room), (_instance, state) =>
			state.storage.sql
				.exec<{ name: string }>(
					"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
				)
				.toArray()
				.map((t) => t.name),
		);
		expect(tables).toEqual([]);
	});
});

describe("WebSocket upgrades per address", () => {
	it("are rate limited with 429 too_many_requests, every try counted, and other addresses are not", async () => {
		const ip = newAddress();
		let opened = 0;
		let refused: Response | undefined;
		for (let i = 0; i < 3 * limits.upgradeRate.burst && !refused; i++) {
			const res = await upgrade(newRoom(), { "CF-Connecting-IP": ip });
			if (res.status === 429) refused = res;
			else {
				expect(res.status).toBe(101);
				opened += 1;
				discard(res);
				// Closed sockets must not fill the cap on open ones: wait until the room has said so.
				await vi.waitFor(async () => expect(await counted(ip)).toBe(0), { interval: 5 });
			}
		}
		expect(await refused?.json()).toEqual({
			error: "too_many_requests",
			reason: "Too many connection attempts from your address; wait a moment",
		});
		expect(Number(refused?.headers.get("Retry-After"))).toBeGreaterThan(0);
		expect(opened).toBeGreaterThanOrEqual(limits.upgradeRate.burst);
		const other = await upgrade(newRoom(), { "CF-Connecting-IP": newAddress() });
		expect(other.status).toBe(101);
		discard(other);
	}, 30_000);
});

describe("open sockets per address across all rooms", () => {
	it("are capped with 429 too_many_connections, and a place is freed when one closes", async () => {
		const ip = newAddress();
		const rooms = [newRoom(), newRoom(), newRoom()];
		const sockets: TestClient[] = [];
		// Spread over rooms, each under the per-room cap.
		for (let i = 0; i < limits.maxSockets; i++)
			sockets.push(await TestClient.open(rooms[i % rooms.length] ?? "", { ip }));

		const refused = await upgrade(newRoom(), { "CF-Connecting-IP": ip });
		expect(refused.status).toBe(429);
		expect(await refused.json()).toEqual({
			error: "too_many_connections",
			reason: "Too many open connections from your address across all rooms",
		});
		const other = await upgrade(newRoom(), { "CF-Connecting-IP": newAddress() });
		expect(other.status).toBe(101);
		discard(other);

		sockets[0]?.close();
		await sockets[0]?.closed;
		await vi.waitFor(async () => expect(await counted(ip)).toBe(limits.maxSockets - 1));
		const again = await upgrade(newRoom(), { "CF-Connecting-IP": ip });
		expect(again.status).toBe(101);
		discard(again);
	});

	it("does not lock an address out over counts gone stale: before refusing, it asks the rooms", async () => {
		const ip = newAddress();
		const limiter = env.RATE_LIMITER.getByName(addressKey(ip));
		// A room that restarted dropped its sockets without a close event: its last report says it holds them all.
		await limiter.socketsIn(newRoom(), limits.maxSockets);
		expect(await limiter.openSockets()).toBe(limits.maxSockets);
		const res = await upgrade(newRoom(), { "CF-Connecting-IP": ip });
		expect(res.status).toBe(101);
		discard(res);
		expect(await limiter.openSockets()).toBe(1);
	});
});
