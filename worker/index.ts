/**
 * The Hashzap worker: HTTP and rooms. It serves the client (static assets),
 * checks room names and origins, and hands each room's WebSockets and
 * history requests to that room's ChatRoom Durable Object.
 */
import { Hono } from "hono";
import { isRoomName } from "../protocol";
import { securityHeaders } from "./security-headers";

export { RateLimiter } from "./limits/rate-limiter";
export { ChatRoom } from "./room/chat-room";

const app = new Hono<{ Bindings: Env }>();

app.use(securityHeaders);

app.get("/api/health", (c) => c.json({ ok: true }));

app.use("/api/rooms/:room/*", async (c, next) => {
	if (!isRoomName(c.req.param("room"))) {
		return c.json({ error: "invalid_room", reason: "A room name is 1-64 letters, digits, - or _" }, 400);
	}
	await next();
});

app.get("/api/rooms/:room/websocket", async (c) => {
	if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
		return c.json({ error: "upgrade_required", reason: "Expected a WebSocket upgrade" }, 426);
	}
	if (!originAllowed(c.req.header("Origin"), c.req.url, c.env.ALLOWED_ORIGINS)) {
		return c.json({ error: "forbidden_origin", reason: "WebSocket connections from this origin are not allowed" }, 403);
	}
	// One Durable Object per room name.
	return c.env.CHAT_ROOM.getByName(c.req.param("room")).fetch(c.req.raw);
});

app.get("/api/rooms/:room/messages", async (c) => {
	const before = Number(c.req.query("before") ?? Number.MAX_SAFE_INTEGER);
	const limit = Number(c.req.query("limit") ?? 50);
	if (!Number.isSafeInteger(before) || before < 1 || !Number.isSafeInteger(limit) || limit < 1) {
		return c.json({ error: "invalid_query", reason: "before and limit must be positive whole numbers" }, 400);
	}
	const page = await c.env.CHAT_ROOM.getByName(c.req.param("room")).history(before, limit);
	return c.json(page);
});

app.get("/r/:room", async (c) => {
	const room = c.req.param("room");
	if (!isRoomName(room)) return c.html(invalidRoomPage(room), 400);
	return c.env.ASSETS.fetch(new URL("/", c.req.url));
});

app.get("/r/:room/", (c) => c.redirect(`/r/${encodeURIComponent(c.req.param("room"))}`, 301));

app.all("*", (c) => c.env.ASSETS.fetch(c.req.raw));

/**
 * Browsers always send Origin on a WebSocket upgrade, so a page on another
 * site cannot open a socket with the user's cookies (cross-site WebSocket
 * hijacking). Clients that are not browsers send none and are let through:
 * they could forge any Origin anyway.
 */
export function originAllowed(origin: string | undefined, requestUrl: string, allowList = ""): boolean {
	if (origin === undefined) return true;
	if (origin === new URL(requestUrl).origin) return true;
	return allowList
		.split(",")
		.map((o) => o.trim())
		.filter(Boolean)
		.includes(origin);
}

function invalidRoomPage(room: string): string {
	const shown = room.length > 80 ? `${room.slice(0, 80)}…` : room;
	const escaped = shown.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>No such room · Hashzap</title><link rel="stylesheet" href="/error.css"></head><body><main><h1>That is not a room name</h1><p>“${escaped}” cannot be a Hashzap room: a room name is 1 to 64 letters, digits, <code>-</code> or <code>_</code>.</p><p><a href="/">Go to the lobby</a></p></main></body></html>`;
}

export default app;
