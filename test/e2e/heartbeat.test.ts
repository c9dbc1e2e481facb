/**
 * A connection that goes silent without closing is noticed by the heartbeat,
 * in Chromium, over a real half-open TCP connection: Ana's page reaches the
 * app through a proxy that, at a word, stops forwarding bytes both ways and
 * closes nothing. Her page must show Reconnecting… within 60 s of its own
 * time (the heartbeat's own bound is about 30 s: protocol/timing.ts), come
 * back by a new connection, and deliver what she typed into the dead one,
 * once. The page's clock is Playwright's: the test moves it on a heartbeat
 * check at a time until the page notices, instead of waiting out the 25 to
 * 30 s for real; the network, the sockets and the room are real throughout.
 */
import { afterAll, describe, expect, it } from "vitest";
import { HEARTBEAT } from "../../protocol";
import { joinedPage, messageTexts, seeMessage, send } from "./chat-page";
import { startHalfOpenProxy } from "./half-open-proxy";
import { harness, newRoom, sharedApp } from "./harness";

const { app, browser } = await sharedApp("shipped");
// Pages served through the proxy are of its origin, which the `shipped` server allows.
const proxy = await startHalfOpenProxy(app.port, harness().proxyPorts.heartbeat);
afterAll(() => proxy.close());

describe("a connection gone silent", () => {
	it("is noticed within 60 s: the page says Reconnecting…, comes back, and delivers what was typed meanwhile once", async () => {
		const room = newRoom("silent");
		const ana = await joinedPage(browser, `http://127.0.0.1:${proxy.port}/r/${room}`, "Ana", { clock: true });
		const bruno = await joinedPage(browser, `${app.url}/r/${room}`, "Bruno");
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

		// The page's time moves on one heartbeat check at a time, until it says Reconnecting… or a minute has passed.
		const statuses = () =>
			ana.page.evaluate(() => (window as unknown as { statuses: { text: string; at: number }[] }).statuses);
		const reconnecting = async () => (await statuses()).find((s) => s.text === "Reconnecting…");
		for (let moved = 0; moved < 60_000 && !(await reconnecting()); moved += HEARTBEAT.checkMs) {
			await ana.page.clock.runFor(HEARTBEAT.checkMs);
		}
		const noticed = await reconnecting();
		expect(noticed, `statuses after the freeze: ${JSON.stringify(await statuses())}`).toBeDefined();
		// From here the page's time flows as usual again: it comes back by a new connection.
		await bruno.page.getByRole("log").locator("article.msg", { hasText: "typed into a dead connection" }).waitFor();
		const after = ((noticed?.at ?? 0) - frozenAt) / 1000;
		expect(after).toBeLessThanOrEqual(60);
		// Not before the heartbeat could know: a ping goes unanswered for timeoutMs at least.
		expect(after).toBeGreaterThanOrEqual(HEARTBEAT.timeoutMs / 1000);
		console.info(`silent connection noticed ${after.toFixed(1)} s (the page's time) after the network went`);

		await ana.page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
		await ana.page.locator("article.pending").waitFor({ state: "detached" });
		const expected = ["before the network went", "typed into a dead connection"];
		expect(await messageTexts(bruno.page)).toEqual(expected);
		expect(await messageTexts(ana.page)).toEqual(expected);
		expect(proxy.connections()).toBeGreaterThan(1);
		for (const p of [ana, bruno]) expect(p.problems.filter((e) => !e.includes("WebSocket"))).toEqual([]);
	});
});
