/**
 * The web's security basics in a real browser: the headers every response
 * carries, the app working under its strict Content-Security-Policy with no
 * violation, the policy actually enforced, and a page on another origin
 * refused a WebSocket (cross-site WebSocket hijacking).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { joinAs, seeMessage, seeSystemLine, send } from "./chat-page";
import { newRoom, roomUrl, sharedApp } from "./harness";

const { app, browser } = await sharedApp("shipped");
/** The room the sockets below knock at: one of this file's, not the lobby, which is chat-flow's (harness.ts). */
const socketUrl = `ws://127.0.0.1:${app.port}/api/rooms/${newRoom("csp-sockets")}/websocket`;
let evil: Server;
let evilUrl: string;

declare global {
	interface Window {
		cspViolations: string[];
		socketOutcome?: string;
		inlineRan?: boolean;
	}
}

/** A page on another origin that tries to open a socket to the app's room, and says what happened. */
const evilPage = (wsUrl: string) => `<!doctype html><title>Free prizes</title><script>
const ws = new WebSocket(${JSON.stringify(wsUrl)});
ws.onopen = () => { window.socketOutcome = "open"; };
ws.onclose = (e) => { window.socketOutcome = window.socketOutcome ?? "refused " + e.code; };
</script>`;

beforeAll(async () => {
	evil = createServer((_req, res) => {
		res.writeHead(200, { "content-type": "text/html" });
		res.end(evilPage(socketUrl));
	});
	await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
	evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
});

afterAll(async () => {
	await new Promise((resolve) => evil?.close(resolve));
});

/** The policy's directives, by name. */
function directives(csp: string | null): Map<string, string[]> {
	const map = new Map<string, string[]>();
	for (const part of (csp ?? "").split(";")) {
		const [name, ...values] = part.trim().split(/\s+/);
		if (name) map.set(name, values);
	}
	return map;
}

/** A page that records every CSP violation, every "Refused to …" console message, and any complaint about the Permissions-Policy. */
async function watchedPage(context: BrowserContext): Promise<{ page: Page; refusals: string[] }> {
	await context.addInitScript(() => {
		window.cspViolations = [];
		document.addEventListener("securitypolicyviolation", (e) => {
			window.cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`);
		});
	});
	const page = await context.newPage();
	const refusals: string[] = [];
	page.on("console", (m) => {
		if (/Refused to|Content Security Policy|Permissions-Policy/i.test(m.text())) refusals.push(m.text());
	});
	page.on("pageerror", (e) => refusals.push(`page error: ${e.message}`));
	return { page, refusals };
}

describe("the web's security basics, in Chromium against wrangler dev", () => {
	it("sends a strict Content-Security-Policy, nosniff and no-referrer with every page and file", async () => {
		const host = `127.0.0.1:${app.port}`;
		for (const path of ["/", "/r/lobby", "/r/not.a.room", "/no-such-page", "/favicon.svg", "/api/health"]) {
			const res = await fetch(`${app.url}${path}`);
			const csp = directives(res.headers.get("content-security-policy"));
			expect(csp.get("default-src"), path).toEqual(["'self'"]);
			expect(csp.get("script-src"), path).toEqual(["'self'"]);
			expect(csp.get("object-src"), path).toEqual(["'none'"]);
			expect(csp.get("base-uri"), path).toEqual(["'none'"]);
			expect(csp.get("frame-ancestors"), path).toEqual(["'none'"]);
			expect(csp.get("connect-src"), path).toEqual(["'self'", `ws://${host}`, `wss://${host}`]);
			for (const values of csp.values()) {
				expect(values, path).not.toContain("'unsafe-inline'");
				expect(values, path).not.toContain("'unsafe-eval'");
			}
			expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
			expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
		}
	});

	it("runs the app under that policy: joining and chatting raise no violation, and HTML in names stays text", async () => {
		const room = roomUrl(app, "csp");
		const anaContext = await browser.newContext();
		const brunoContext = await browser.newContext();
		const ana = await watchedPage(anaContext);
		const bruno = await watchedPage(brunoContext);
		const response = await ana.page.goto(room);
		expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
		await bruno.page.goto(room);

		const hostileName = "<b>Zoë</b>";
		await joinAs(ana.page, hostileName);
		await joinAs(bruno.page, "Bruno");
		// The name is shown as a name, the words beside it are the room's own.
		await seeSystemLine(bruno.page, `${hostileName} and Bruno joined`);
		await send(ana.page, "<img src=x onerror=alert(1)> hello");
		for (const p of [ana.page, bruno.page]) {
			await seeMessage(p, hostileName, "<img src=x onerror=alert(1)> hello");
			expect(await p.getByRole("log").locator("b, img").count()).toBe(0);
		}
		await send(bruno.page, "hi Zoë");
		await seeMessage(ana.page, "Bruno", "hi Zoë");

		for (const p of [ana, bruno]) {
			expect(await p.page.evaluate(() => window.cspViolations)).toEqual([]);
			expect(p.refusals).toEqual([]);
		}

		// The policy is enforced, not just sent: an injected inline script does not run.
		await ana.page.evaluate(() => {
			const script = document.createElement("script");
			script.textContent = "window.inlineRan = true";
			document.body.append(script);
		});
		await ana.page.waitForFunction(() => window.cspViolations.length > 0);
		expect(await ana.page.evaluate(() => window.cspViolations)).toEqual([
			expect.stringMatching(/^script-src(-elem)? blocked inline$/),
		]);
		expect(await ana.page.evaluate(() => window.inlineRan)).toBeUndefined();

		await anaContext.close();
		await brunoContext.close();
	});

	it("refuses a WebSocket that a page on another origin opens (cross-site WebSocket hijacking)", async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(evilUrl);
		await page.waitForFunction(() => window.socketOutcome !== undefined);
		expect(await page.evaluate(() => window.socketOutcome)).toBe("refused 1006");

		// The same request from the app's own page is let in.
		await page.goto(app.url);
		const outcome = await page.evaluate(
			(url) =>
				new Promise<string>((resolve) => {
					const ws = new window.WebSocket(url);
					ws.onopen = () => {
						ws.close();
						resolve("open");
					};
					ws.onclose = (e) => resolve(`refused ${e.code}`);
				}),
			socketUrl,
		);
		expect(outcome).toBe("open");
		await context.close();
	});

	it("closes a socket that never joins with 4408 once its time to join runs out, under wrangler dev itself (#19)", async () => {
		// The workerd tests force the room's alarm; here the real runtime's alarm has to fire and the close reach a browser.
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(app.url);
		const closed = await page.evaluate(
			(url) =>
				new Promise<string>((resolve) => {
					const ws = new window.WebSocket(url);
					ws.onclose = (e) => resolve(`${e.code} ${e.reason}`);
					// Bounded: wrangler.toml gives a socket 10 s to join; well past that, say what did not happen.
					setTimeout(() => resolve("still open after 30 s"), 30_000);
				}),
			`${app.url.replace(/^http/, "ws")}/api/rooms/${newRoom("idle")}/websocket`,
		);
		expect(closed).toBe("4408 No join within 10 seconds");
		await context.close();
	}, 45_000);

	it("answers the hijacking attempt with 403 at the upgrade, and lets the page's own origin in", async () => {
		const status = (origin: string) =>
			new Promise<number>((resolve, reject) => {
				const ws = new WebSocket(socketUrl, { origin });
				ws.on("upgrade", (res) => {
					resolve(res.statusCode ?? 0);
					ws.close();
				});
				ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
				ws.on("error", reject);
			});
		expect(await status(evilUrl.slice(0, -1))).toBe(403);
		expect(await status("https://evil.example")).toBe(403);
		expect(await status(app.url)).toBe(101);
	});
});
