/**
 * The durable outbox, in Chromium against wrangler dev: a message typed while
 * the room is unreachable survives the browser's closing (a persistent
 * profile, closed and launched again), shows as pending when the room is
 * opened again, and is delivered once, even with two tabs of the room both
 * sending it. A message that can never be sent is shown as not sent and
 * leaves the outbox.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../protocol";
import { launchProfile } from "./browser";
import { backIn, joinAs, messageTexts, send } from "./chat-page";
import { newProfileDir, ownApp, sharedBrowser } from "./harness";
import { joinPeer } from "./peer";
import { controlWire } from "./wire";

// A server of its own, which the first test stops. That test restarts the browser too, so it launches its own.
const [app, browser] = await Promise.all([ownApp(), sharedBrowser()]);

const outboxOf = (page: Page, room: string) =>
	page.evaluate((key) => localStorage.getItem(key), `hashzap:outbox:${room}`);

describe("the outbox", () => {
	it("keeps a message typed offline through a browser restart, shows it pending in the room, and delivers it once from two tabs", async () => {
		const room = `outbox-${Date.now()}`;
		const profile = newProfileDir();
		let chromium = await launchProfile(profile);
		const page = await chromium.newPage();
		await page.goto(`${app.url}/r/${room}`);
		await joinAs(page, "Ana");
		const bruno = await joinPeer(app, room, "Bruno");
		await send(page, "before");
		await bruno.hear("before");

		await app.stop();
		await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
		await send(page, "typed while offline");
		await page.locator("article.pending", { hasText: "typed while offline" }).waitFor();
		// The browser goes, and its tab with it.
		await chromium.close();

		await app.start();
		chromium = await launchProfile(profile);
		const tabs = [await chromium.newPage(), await chromium.newPage()];
		const wires = await Promise.all(tabs.map((tab) => controlWire(tab)));
		for (const [i, tab] of tabs.entries()) {
			wires[i]?.holdSends();
			await tab.goto(`${app.url}/r/${room}`);
			// This browser has been in the room as Ana: it goes straight back in.
			await backIn(tab);
			const pending = tab.locator("article.pending", { hasText: "typed while offline" });
			await pending.waitFor();
			expect(await pending.locator(".state").textContent()).toBe("Sending…");
		}
		const back = await joinPeer(app, room, "Bruno again");
		for (const wire of wires) wire.release();
		for (const tab of tabs) await tab.locator("article.pending").waitFor({ state: "detached" });

		// Both tabs sent it, with the one id it was given when typed; the room stored it once.
		const sends = wires.map((w) => w.toRoom.filter((f) => f.includes('"text":"typed while offline"')));
		expect(sends.map((s) => s.length)).toEqual([1, 1]);
		expect(JSON.parse(sends[0]?.[0] ?? "{}").id).toBe(JSON.parse(sends[1]?.[0] ?? "").id);
		await send(tabs[0] as Page, "after");
		await back.hear("after");
		expect(back.texts().filter((t) => t === "typed while offline")).toHaveLength(1);
		for (const tab of tabs) {
			await tab.getByRole("log").locator("article.msg:not(.pending)", { hasText: "after" }).waitFor();
			expect(await messageTexts(tab)).toEqual(["before", "typed while offline", "after"]);
			expect(await outboxOf(tab, room)).toBeNull();
		}
		const carla = await joinPeer(app, room, "Carla");
		const welcome = carla.received.find((m) => m.type === "welcome");
		const texts = welcome?.type === "welcome" ? welcome.messages.map((m) => m.text) : [];
		expect(texts.filter((t) => t === "typed while offline")).toHaveLength(1);
		await chromium.close();
	}, 120_000);

	it("shows a message that can never be sent as not sent, sends nothing under another name, and forgets both", async () => {
		const room = `outbox-refused-${Date.now()}`;
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(`${app.url}/r/${room}`);
		// What an older page could have left: one message too long for the room, one written under another name.
		const tooLong = "x".repeat(LIMITS.messageMax + 1);
		await page.evaluate(({ key, value }) => localStorage.setItem(key, value), {
			key: `hashzap:outbox:${room}`,
			value: JSON.stringify([
				{ id: "too-long-1", text: tooLong, as: "Dora" },
				{ id: "elsewhere-1", text: "written as Eve", as: "Eve" },
			]),
		});
		const bruno = await joinPeer(app, room, "Bruno");
		await page.reload();
		await joinAs(page, "Dora");
		await page
			.locator("article.pending", { hasText: "written as Eve" })
			.locator(".state", { hasText: "Not sent: it was written as Eve" })
			.waitFor();
		await page
			.locator("article.pending .state", {
				hasText: `Not sent: A message can be at most ${LIMITS.messageMax} characters`,
			})
			.waitFor();
		expect(await outboxOf(page, room)).toBeNull();
		await send(page, "marker");
		await bruno.hear("marker");
		expect(bruno.texts()).not.toContain("written as Eve");

		await page.reload();
		await backIn(page);
		await page.getByRole("log").locator("article.msg", { hasText: "marker" }).waitFor();
		expect(await page.locator("article.pending").count()).toBe(0);
		await context.close();
	}, 60_000);
});
