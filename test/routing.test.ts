import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const fetchApp = (path: string, init?: RequestInit) => exports.default.fetch(`http://example.com${path}`, init);

describe("routing", () => {
	it("answers the health check with 200", async () => {
		const res = await fetchApp("/api/health");
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ ok: true });
	});

	it("answers 426 to a WebSocket route requested without an upgrade", async () => {
		const res = await fetchApp("/api/rooms/lobby/websocket");
		expect(res.status).toBe(426);
		expect(await res.json()).toMatchObject({ error: "upgrade_required" });
	});

	it("answers 400 with a JSON error to an invalid room name", async () => {
		for (const room of ["has%20space", "a.b", "x".repeat(65), "%3Cscript%3E"]) {
			const res = await fetchApp(`/api/rooms/${room}/websocket`, { headers: { Upgrade: "websocket" } });
			expect(res.status, room).toBe(400);
			expect(await res.json()).toMatchObject({ error: "invalid_room" });
		}
	});

	it("upgrades a valid room to a WebSocket", async () => {
		const res = await fetchApp("/api/rooms/lobby/websocket", { headers: { Upgrade: "websocket" } });
		expect(res.status).toBe(101);
		expect(res.webSocket).toBeTruthy();
		res.webSocket?.accept();
		res.webSocket?.close();
	});

	it("serves the page at / with the security headers", async () => {
		const res = await fetchApp("/");
		expect(res.status).toBe(200);
		expect(await res.text()).toContain('<div id="app">');
		expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'self'");
		expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
		expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
	});

	it("turns off the browser features the app never uses, with a Permissions-Policy on every page", async () => {
		for (const path of ["/", "/r/lobby", "/api/health", "/api/rooms/lobby/messages"]) {
			const policy = (await fetchApp(path)).headers.get("Permissions-Policy") ?? "";
			for (const feature of ["camera", "microphone", "geolocation", "payment", "usb"]) {
				expect(policy, path).toContain(`${feature}=()`);
			}
		}
	});

	it("sends Strict-Transport-Security over HTTPS only (a plain-HTTP answer cannot set it)", async () => {
		const secure = await exports.default.fetch("https://example.com/");
		expect(secure.headers.get("Strict-Transport-Security")).toBe("max-age=31536000; includeSubDomains");
		expect((await fetchApp("/")).headers.get("Strict-Transport-Security")).toBeNull();
	});
});
