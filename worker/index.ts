/**
 * The Hashzap worker: HTTP and rooms. It serves the client (static assets),
 * checks room names, origins and each address's throttles, and hands each
 * room's WebSockets and history requests to that room's ChatRoom Durable
 * Object.
 */
import { type Context, Hono } from "hono";
import { clientVersion, isRoomName, isUserKey, USER_KEY_HEADER } from "../protocol";
import { addressKey } from "./limits/rate-limiter";
import { vapidKeys } from "./push/sender";
import { securityHeaders } from "./security-headers";

export { RateLimiter } from "./limits/rate-limiter";
export { ChatRoom } from "./room/chat-room";

const app = new Hono<{ Bindings: Env }>();

app.use(securityHeaders);

app.get("/api/health", (c) => c.json({ ok: true }));

// The key a page subscribes to Web Push with (PushManager.subscribe's applicationServerKey).
app.get("/api/push/key", (c) => {
	const keys = vapidKeys(c.env);
	if (!keys) return c.json({ error: "push_unavailable", reason: "This server has no push keys" }, 404);
	return c.json({ publicKey: keys.publicKey });
});

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
	const room = c.req.param("room");
	// The address's RateLimiter: its upgrade rate, and its open sockets across all rooms.
	const address = c.env.RATE_LIMITER.getByName(clientAddress(c));
	const ticket = await address.openSocket(room);
	if (!ticket.ok) {
		const reason =
			ticket.error === "too_many_requests"
				? "Too many connection attempts from your address; wait a moment"
				: "Too many open connections from your address across all rooms";
		return tooMany(c, ticket.error, reason, ticket.retryAfterMs);
	}
	// One Durable Object per room name.
	const res = await c.env.CHAT_ROOM.getByName(room).fetch(c.req.raw);
	if (res.status !== 101) c.executionCtx.waitUntil(address.socketRefused(room));
	return res;
});

app.get("/api/rooms/:room/messages", async (c) => {
	// At the edge, before any room is woken: probing room names costs the prober, not the rooms.
	const { success } = await c.env.HISTORY_RATE.limit({ key: clientAddress(c) });
	if (!success)
		return tooMany(
			c,
			"too_many_requests",
			"Too many history requests from your address; wait a moment",
			HISTORY_PERIOD_MS,
		);
	const { before: rawBefore, around: rawAround } = c.req.query();
	const before = Number(rawBefore ?? Number.MAX_SAFE_INTEGER);
	const around = Number(rawAround ?? 1);
	const limit = Number(c.req.query("limit") ?? 50);
	const whole = (n: number) => Number.isSafeInteger(n) && n >= 1;
	if (!whole(before) || !whole(around) || !whole(limit) || (rawBefore !== undefined && rawAround !== undefined)) {
		return c.json(
			{ error: "invalid_query", reason: "before or around, and limit, must be positive whole numbers" },
			400,
		);
	}
	// The reader's device key, if the page sent it: the room reads history by the socket's rules (bans, the lock).
	const device = c.req.header(USER_KEY_HEADER);
	if (device !== undefined && !isUserKey(device)) {
		return c.json({ error: "invalid_query", reason: `${USER_KEY_HEADER} must be 8-64 letters, digits, - or _` }, 400);
	}
	// The page's protocol version (`v`, as on the socket): an older page takes some lines in another form.
	const version = clientVersion(c.req.url);
	const room = c.env.CHAT_ROOM.getByName(c.req.param("room"));
	const page = await room.read(rawAround !== undefined ? { around, limit, version } : { before, limit, version }, {
		device,
		ip: clientAddress(c),
	});
	// What a room shows depends on who asks (bans, the lock): no cache may keep one reader's page for another.
	c.header("Cache-Control", "private, no-store");
	c.header("Vary", USER_KEY_HEADER);
	return "error" in page ? c.json(page, 403) : c.json(page);
});

app.get("/r/:room", async (c) => {
	const room = c.req.param("room");
	if (!isRoomName(room)) return c.html(invalidRoomPage(room), 400);
	return c.env.ASSETS.fetch(new URL("/", c.req.url));
});

app.get("/r/:room/", (c) => c.redirect(`/r/${encodeURIComponent(c.req.param("room"))}`, 301));

app.all("*", (c) => c.env.ASSETS.fetch(c.req.raw));

/** The period of the HISTORY_RATE binding (wrangler.toml): when a refused client may try again, at the latest. */
const HISTORY_PERIOD_MS = 10_000;

/** The client's address as limits count it: CF-Connecting-IP, which Cloudflare sets, an IPv6 address by its /64. */
function clientAddress(c: Context<{ Bindings: Env }>): string {
	return addressKey(c.req.header("CF-Connecting-IP"));
}

function tooMany(c: Context<{ Bindings: Env }>, error: string, reason: string, retryAfterMs: number) {
	c.header("Retry-After", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
	return c.json({ error, reason }, 429);
}

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
