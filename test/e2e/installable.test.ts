/**
 * An installable app that opens offline, in Chromium against wrangler dev:
 * Chromium reports no installability errors, the service worker caches the
 * shell once the chat has opened, and the page then opens with the server
 * gone. The strict CSP holds throughout.
 */
import { describe, expect, it } from "vitest";
import { backIn, joinAs, messageTexts, seeMessage, send, skipBackoff } from "./chat-page";
import { ownApp, ownProfile } from "./harness";

// A server of its own, which the test stops, and a Chromium with a profile on disk, as a person's browser has: an app
// cannot be installed from an incognito-like context.
const [app, profile] = await Promise.all([ownApp(), ownProfile()]);

describe("an installable app", () => {
	it("has a manifest Chromium accepts: no installability errors", async () => {
		const page = await profile.newPage();
		await page.goto(`${app.url}/r/install-${Date.now()}`);
		await joinAs(page, "Ana");
		await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
		const manifest = (await (await fetch(`${app.url}/manifest.webmanifest`)).json()) as Record<string, unknown>;
		expect(manifest).toMatchObject({ name: "Hashzap", start_url: "/", display: "standalone" });
		const cdp = await profile.newCDPSession(page);
		const { installabilityErrors } = (await cdp.send("Page.getInstallabilityErrors")) as {
			installabilityErrors: { errorId: string }[];
		};
		expect(installabilityErrors).toEqual([]);
		await page.close();
	});

	it("opens with no network after one visit, from the service worker's cache, under the same CSP: the held lines, Reconnecting…, and what is typed kept", async () => {
		const room = `offline-${Date.now()}`;
		const url = `${app.url}/r/${room}`;
		// The pages' clocks are Playwright's, so that the test need not wait out a reconnect's backoff for real.
		await profile.clock.install();
		const page = await profile.newPage();
		await page.goto(url);
		await joinAs(page, "Ana");
		await send(page, "said while online");
		await seeMessage(page, "Ana", "said while online");
		// The shell is cached when the service worker is installed and active; the lines a moment after they change.
		await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
		await page.waitForFunction(
			(key) => (localStorage.getItem(key) ?? "").includes("said while online"),
			`hashzap:lines:${room}`,
		);

		await app.stop();
		const offline = await profile.newPage();
		try {
			const refused: string[] = [];
			offline.on("console", (m) => {
				if (/Refused to|Content Security Policy/i.test(m.text())) refused.push(m.text());
			});
			const response = await offline.goto(url);
			expect(response?.fromServiceWorker()).toBe(true);
			expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
			// Coming back goes straight in, with the room's held lines and the connection's state.
			await backIn(offline);
			await seeMessage(offline, "Ana", "said while online");
			await offline.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
			await send(offline, "typed offline");
			await offline.locator("article.pending", { hasText: "typed offline" }).waitFor();
			expect(await offline.evaluate((key) => localStorage.getItem(key), `hashzap:outbox:${room}`)).toContain(
				"typed offline",
			);
			expect(refused).toEqual([]);
		} finally {
			await app.start();
		}
		// The server back: what was typed offline is delivered, once.
		await skipBackoff(offline);
		await seeMessage(offline, "Ana", "typed offline");
		await expect.poll(() => messageTexts(offline)).toEqual(["said while online", "typed offline"]);
		await offline.close();
		await page.close();
	});
});
