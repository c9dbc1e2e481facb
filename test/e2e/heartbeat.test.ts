/**
 * A connection that goes silent without closing is noticed by the heartbeat,
 * in Chromium, over a real half-open TCP connection: Ana's page reaches the
 * app through a proxy that, at a word, stops forwarding bytes both ways and
 * closes nothing. Her page must show Reconnecting… within 60 s (the
 * heartbeat's own bound is about 30 s: protocol/timing.ts), come back by a
 * new connection, and deliver what she typed into the dead one, once. The
 * test waits out the real heartbeat, no shortened timers: it waits for the
 * events, so it takes as long as detection does.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEARTBEAT } from "../../protocol";
import { type AppServer, freePort, startApp } from "./app-server";
import { launchBrowser } from "./browser";
import { joinAs, messageTexts, openPage, seeMessage, send } from "./chat-page";
import { type HalfOpenProxy, startHalfOpenProxy } from "./half-open-proxy";

let app: AppServer;
let proxy: HalfOpenProxy;
let browser: Browser;

beforeAll(async () => {
	// The proxy's port is known before the app starts: pages served through it are of its origin, which the app must allow.
	const proxyPort = await freePort();
	[app, browser] = await Promise.all([startApp({ ALLOWED_ORIGINS: `http://127.0.0.1:${proxyPort}` }), launchBrowser()]);
	proxy = await startHalfOpenProxy(app.port, proxyPort);
});

afterAll(async () => {
	await browser?.close();
	await proxy?.close();
	await app?.stop();
});

describe("a connection gone silent", () => {
	it("is noticed within 60 s: the page says Reconnecting…, comes back, and delivers what was typed meanwhile once", async () => {
		const room = `silent-${Date.now()}`;
		const ana = await openPage(browser, `http://127.0.0.1:${proxy.port}/r/${room}`);
		const bruno = await openPage(browser, `${app.url}/r/${room}`);
		await joinAs(ana.page, "Ana");
		await joinAs(bruno.page, "Bruno");
		await send(ana.page, "before the network went");
		await seeMessage(bruno.page, "Ana", "before the network went");

		// Every status the page shows, with the page's time, so a brief Reconnecting… is not missed.
		await ana.page.evaluate(() => {
			const seen: { text: string; at: number }[] = [];
			(window as unknown as { statuses: typeof seen }).statuses = seen;
			const status = document.querySelector('[role="status"]');
			if (!status) throw new Error("no status line");
			new MutationObserver(() => seen.push({ text: status.textContent ?? "", at: Date.now() })).observe(status, {
				childList: true,
				characterData: true,
				subtree: true,
			});
		});
		const frozenAt = await ana.page.evaluate(() => Date.now());
		proxy.freeze();
		await send(ana.page, "typed into a dead connection");
		await ana.page.locator("article.pending", { hasText: "typed into a dead connection" }).waitFor();

		await bruno.page
			.getByRole("log")
			.locator("article.msg", { hasText: "typed into a dead connection" })
			.waitFor({ timeout: 90_000 });
		const statuses = await ana.page.evaluate(
			() => (window as unknown as { statuses: { text: string; at: number }[] }).statuses,
		);
		const noticed = statuses.find((s) => s.text === "Reconnecting…");
		expect(noticed, `statuses after the freeze: ${JSON.stringify(statuses)}`).toBeDefined();
		const after = ((noticed?.at ?? 0) - frozenAt) / 1000;
		expect(after).toBeLessThanOrEqual(60);
		// Not before the heartbeat could know: a ping goes unanswered for timeoutMs at least.
		expect(after).toBeGreaterThanOrEqual(HEARTBEAT.timeoutMs / 1000);
		console.info(`silent connection noticed ${after.toFixed(1)} s after the network went`);

		await ana.page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
		await ana.page.locator("article.pending").waitFor({ state: "detached" });
		const expected = ["before the network went", "typed into a dead connection"];
		expect(await messageTexts(bruno.page)).toEqual(expected);
		expect(await messageTexts(ana.page)).toEqual(expected);
		expect(proxy.connections()).toBeGreaterThan(1);
		for (const p of [ana, bruno]) expect(p.problems.filter((e) => !e.includes("WebSocket"))).toEqual([]);
	}, 150_000);
});
