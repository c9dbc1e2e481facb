/**
 * Security headers for every response but the WebSocket upgrade: a strict
 * Content-Security-Policy (no inline script or style, nothing from other
 * origins, no framing), no MIME sniffing, no referrer.
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

export const securityHeaders: MiddlewareHandler = async (c, next) => {
	await next();
	if (c.res.status === 101) return;
	// Responses from the assets binding have immutable headers: copy before setting.
	c.res = new Response(c.res.body, c.res);
	c.res.headers.set("Content-Security-Policy", contentSecurityPolicy(c.req.url));
	c.res.headers.set("X-Content-Type-Options", "nosniff");
	c.res.headers.set("Referrer-Policy", "no-referrer");
	c.res.headers.set("X-Frame-Options", "DENY");
};
