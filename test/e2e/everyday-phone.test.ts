/**
 * A phone holds any conversation (issue #11, 1): the header and the composer
 * stay in view, the log scrolls, and the online list opens as a sheet. A
 * 360×400 viewport stands in for a phone with its keyboard open.
 */
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { joinAs, openPage, seeMessage } from "./chat-page";
import { People } from "./conversation";
import { newRoom, sharedApp } from "./harness";

const { app, browser } = await sharedApp("raised");

/** Whether the element is what a person sees at its centre: on screen and not painted over. */
function onTop(locator: Locator): Promise<boolean> {
	return locator.evaluate((el) => {
		const r = el.getBoundingClientRect();
		const x = r.left + r.width / 2;
		const y = r.top + r.height / 2;
		if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
		const hit = document.elementFromPoint(x, y);
		return hit !== null && (el === hit || el.contains(hit));
	});
}

async function roomOf200(page: Page) {
	const room = newRoom("phone");
	const people = await People.join(app, room, ["Bruno"]);
	await people.say(...Array.from({ length: 200 }, (_, i): [string, string] => ["Bruno", `line ${i + 1}`]));
	await page.goto(`${app.url}/r/${room}`);
	await joinAs(page, "Ana");
	await seeMessage(page, "Bruno", "line 200");
	return people;
}

describe("a phone holds any conversation", () => {
	for (const [width, height, what] of [
		[360, 640, "a 360 px phone"],
		[390, 844, "a 390 px phone"],
		[360, 400, "a 360 px phone with its keyboard open"],
	] as const) {
		it(`scrolls 200 messages under a header that stays in view, on ${what} (${width}×${height})`, async () => {
			const { page } = await openPage(browser, app.url, { width, height });
			const people = await roomOf200(page);
			const log = page.getByRole("log");

			// The log scrolls inside the screen instead of growing past it.
			const size = await log.evaluate((el) => ({ scroll: el.scrollHeight, client: el.clientHeight }));
			expect(size.scroll).toBeGreaterThan(size.client);
			expect(size.client).toBeGreaterThan(100);
			expect(await page.evaluate(() => document.scrollingElement?.scrollHeight)).toBeLessThanOrEqual(height);

			// The header, the composer and the newest message are on screen, none painted over.
			expect(await onTop(page.getByRole("heading", { level: 1 }))).toBe(true);
			expect(await onTop(page.getByLabel("Message", { exact: true }))).toBe(true);
			expect(await onTop(page.getByRole("button", { name: "Send" }))).toBe(true);
			expect(await onTop(page.locator("article.msg", { hasText: "line 200" }))).toBe(true);
			// Beside the header's buttons (icons on a phone) the room's name keeps room, and its status shows whole.
			expect((await page.getByRole("heading", { level: 1 }).boundingBox())?.width).toBeGreaterThan(100);
			expect(await page.locator(".chat-header .status").evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);

			// Typing keeps all of it in place.
			await page.getByLabel("Message", { exact: true }).fill("typing on a phone");
			expect(await onTop(page.getByRole("heading", { level: 1 }))).toBe(true);

			// Scrolling to the top loads the page before.
			const first = Number(await page.locator("article.msg").first().getAttribute("data-seq"));
			await log.evaluate((el) => {
				el.scrollTop = 0;
			});
			await page.locator(`article.msg[data-seq="${first - 1}"]`).waitFor({ state: "attached" });
			people.close();
		});
	}

	it("opens the online list from a button with the count, as a sheet that shows whole names", async () => {
		const { page } = await openPage(browser, app.url, { width: 360, height: 640 });
		const room = newRoom("phone-people");
		const people = await People.join(app, room, ["Alice", "Bartholomew"]);
		await page.goto(`${app.url}/r/${room}`);
		await joinAs(page, "Ana");

		const button = page.getByRole("button", { name: /online/i });
		expect(await button.textContent()).toContain("3");
		await button.click();
		const sheet = page.getByRole("dialog", { name: /Online/ });
		await sheet.waitFor();
		const names = sheet.locator(".online-name");
		expect(await names.allTextContents()).toEqual(["Alice", "Ana", "Bartholomew"]);
		for (const name of await names.all()) {
			expect(await name.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
		}
		await page.keyboard.press("Escape");
		await sheet.waitFor({ state: "hidden" });
		people.close();
	});
});
