/**
 * The HTTP side of a WebSocket upgrade: the Origin check against cross-site
 * WebSocket hijacking, and the plain answers (426, 400, 403, 429) a client
 * gets before any socket exists.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker, { originAllowed } from "../worker/index";
import { discard, newAddress, newRoom, upgrade } from "./ws-client";

describe("originAllowed", () => {
	const url = "https://chat.example/api/rooms/lobby/websocket";

	it("allows the page's own origin, and a request with no Origin (not a browser)", () => {
		expect(originAllowed("https://chat.example", url)).toBe(true);
		expect(originAllowed(undefined, url)).toBe(true);
	});

	it("refuses every other origin, look-alikes included", () => {
		for (const origin of [
			"https://evil.example",
			"http://chat.example",
			"https://chat.example:8443",
			"https://chat.example.evil.example",
			"https://evilchat.example",
			"null",
			"",
			"https://chat.example/",
		]) {
			expect(originAllowed(origin, url), origin).toBe(false);
		}
	});

	it("allows exactly the origins on the configured allow-list", () => {
		const list = " https://friend.example , https://app.friend.example:8443,";
		expect(originAllowed("https://friend.example", url, list)).toBe(true);
		expect(originAllowed("https://app.friend.example:8443", url, list)).toBe(true);
		expect(originAllowed("http://friend.example", url, list)).toBe(false);
		expect(originAllowed("https://other.example", url, list)).toBe(false);
		expect(originAllowed("", url, list)).toBe(false);
	});
});

describe("a WebSocket upgrade", () => {
	it("is accepted from the page's own origin, and without an Origin", async () => {
		const headers: Record<string, string>[] = [{ Origin: "http://example.com" }, {}];
		for (const origin of headers) {
			const res = await upgrade(newRoom(), { "CF-Connecting-IP": newAddress(), ...origin });
			expect(res.status).toBe(101);
			discard(res);
		}
	});

	it("is refused with 403 from another origin, before it reaches the room", async () => {
		for (const origin of ["https://evil.example", "http://example.com.evil.example", "https://example.com", "null"]) {
			const res = await upgrade(newRoom(), { Origin: origin, "CF-Connecting-IP": newAddress() });
			expect(res.status, origin).toBe(403);
			expect(res.webSocket).toBeNull();
			expect(await res.json()).toEqual({
				error: "forbidden_origin",
				reason: "WebSocket connections from this origin are not allowed",
			});
			expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
		}
	});

	it("is accepted from an origin on ALLOWED_ORIGINS, and only that one", async () => {
		const withList = { ...env, ALLOWED_ORIGINS: "https://friend.example" };
		const request = (origin: string) =>
			new Request(`http://example.com/api/rooms/${newRoom()}/websocket`, {
				headers: { Upgrade: "websocket", Origin: origin, "CF-Connecting-IP": newAddress() },
			});
		const allowed = await worker.fetch(request("https://friend.example"), withList);
		expect(allowed.status).toBe(101);
		discard(allowed);
		expect((await worker.fetch(request("https://foe.example"), withList)).status).toBe(403);
	});

	it("is answered 426 when it is not an upgrade at all", async () => {
		const res = await upgrade(newRoom(), { Upgrade: "h2c" });
		expect(res.status).toBe(426);
		expect(await res.json()).toEqual({ error: "upgrade_required", reason: "Expected a WebSocket upgrade" });
	});

	it("is answered 400 for a room name that is not one, whatever the origin", async () => {
		for (const room of ["a.b", "%3Cscript%3E", "x".repeat(65), "..%2F..%2Fadmin"]) {
			const res = await upgrade(room, { Origin: "https://evil.example" });
			expect(res.status, room).toBe(400);
			expect(await res.json()).toMatchObject({ error: "invalid_room" });
		}
	});
});
