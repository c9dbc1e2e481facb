/**
 * Security headers for every response but the WebSocket upgrade: a strict
 * Content-Security-Policy (no inline script or style, nothing from other
 * origins, no framing), no MIME sniffing, no referrer, no browser features
 * the app does not use, and HTTPS only once a browser has seen it over HTTPS.
 */
import type { MiddlewareHandler } from "hono";

export function contentSecurityPolicy(requestUrl: string): string {
	const { host } = new URL(requestUrl);
	return [
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		`connect-src 'self' ws://${host} wss://${host}`,
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	].join("; ");
}

/**
 * Powerful features the chat never uses, turned off for the page and
 * anything it could embed: a page that is injected into cannot ask for
 * them. Only names Chromium knows, so that it logs no warning.
 */
export const PERMISSIONS_POLICY = [
	"accelerometer=()",
	"camera=()",
	"display-capture=()",
	"geolocation=()",
	"gyroscope=()",
	"hid=()",
	"magnetometer=()",
	"microphone=()",
	"midi=()",
	"payment=()",
	"serial=()",
	"usb=()",
].join(", ");

/**
 * A year of HTTPS only. Sent only over HTTPS, where browsers heed it (over
 * HTTP they must ignore it), so that `wrangler dev` on http://localhost is
 * never pinned to HTTPS.
 */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains";

export const securityHeaders: MiddlewareHandler = async (c, next) => {
	await next();
	if (c.res.status === 101) return;
	// Responses from the assets binding have immutable headers: copy before setting.
	c.res = new Response(c.res.body, c.res);
	c.res.headers.set("Content-Security-Policy", contentSecurityPolicy(c.req.url));
	c.res.headers.set("X-Content-Type-Options", "nosniff");
	c.res.headers.set("Referrer-Policy", "no-referrer");
	c.res.headers.set("X-Frame-Options", "DENY");
	c.res.headers.set("Permissions-Policy", PERMISSIONS_POLICY);
	if (new URL(c.req.url).protocol === "https:") {
		c.res.headers.set("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY);
	}
};
