/**
 * A long conversation in Chromium: the page keeps a bounded number of rows
 * mounted while the reader scrolls all the way up through the history and
 * back down, the view does not jump when rows come or go above it, and the
 * "new messages" button still takes the reader to the newest line.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { WINDOW_MAX } from "../../client/model/message-window";
import { joinAs, openPage, seeMessage } from "./chat-page";
import { newRoom, sharedApp } from "./harness";
import { joinPeer } from "./peer";

const { app, browser } = await sharedApp("raised");

/** Lines in the room: well over what the page keeps mounted. */
const LINES = 400;
/**
 * How far a row may move when rows come or go around it: under half a line. A jump is hundreds of
 * pixels; a few are the room's first line coming in shorter than the "Scroll up" note it replaces,
 * at the very top, where the view cannot move up to make up for them.
 */
const STILL_PX = 8;

/** Where the row with this seq is, from the top of the history's box (runs in the page). */
function rowTop(history: Element, seq: number): number {
	const row = history.querySelector(`[data-seq="${seq}"]`);
	if (!row) throw new Error(`row ${seq} is not mounted`);
	return row.getBoundingClientRect().top - history.getBoundingClientRect().top;
}

const rowCount = (page: Page) => page.getByRole("log").locator("[data-seq]").count();
const firstShownSeq = (page: Page) =>
	page.getByRole("log").locator("[data-seq]").first().getAttribute("data-seq").then(Number);

describe("a long conversation", () => {
	it("keeps a bounded number of rows mounted through the whole history, without jumps, and the new-messages button works", async () => {
		const room = newRoom("long");
		const filler = await joinPeer(app, room, "Filler");
		for (let i = 1; i < LINES; i += 50) {
			await Promise.all(Array.from({ length: 50 }, (_, j) => filler.say(`line ${i + j}`)));
		}
		const reader = await openPage(browser, `${app.url}/r/${room}`, { width: 800, height: 600 });
		const { page } = reader;
		await joinAs(page, "Reader");
		const log = page.getByRole("log");
		const newest = await log.locator(".system", { hasText: "Reader joined" }).getAttribute("data-seq");
		let most = 0;

		// Up to the room's first line, the way a reader scrolls: each time the top is reached, more appear above.
		while ((await log.locator('[data-seq="1"]').count()) === 0) {
			const first = await firstShownSeq(page);
			// The second row: the first gains or loses its day and sender as it stops being the first.
			const watched = Number(await log.locator("[data-seq]").nth(1).getAttribute("data-seq"));
			// Read before the scroll event is handled (it comes with the next frame): where the row is at the top.
			const top = await log.evaluate((el, seq) => {
				el.scrollTop = 0;
				const row = el.querySelector(`[data-seq="${seq}"]`) as Element;
				return row.getBoundingClientRect().top - el.getBoundingClientRect().top;
			}, watched);
			await page.waitForFunction(
				(seq) => document.querySelector('[role="log"] [data-seq]')?.getAttribute("data-seq") !== String(seq),
				first,
			);
			// The lines that were at the top are where they were, below what came in above them: the view did not jump.
			expect(Math.abs((await log.evaluate(rowTop, watched)) - top)).toBeLessThan(STILL_PX);
			most = Math.max(most, await rowCount(page));
		}
		expect(await log.locator(".system").first().textContent()).toBe("Filler joined");

		// Down again to the newest line: rows above are dropped as rows below come back.
		const atNewest = () =>
			log.evaluate(
				(el, seq) =>
					el.querySelector(`[data-seq="${seq}"]`) !== null && el.scrollHeight - el.scrollTop - el.clientHeight < 2,
				newest,
			);
		while (!(await atNewest())) {
			const last = Number(await log.locator("[data-seq]").last().getAttribute("data-seq"));
			const top = await log.evaluate((el, seq) => {
				el.scrollTop = el.scrollHeight;
				const row = el.querySelector(`[data-seq="${seq}"]`) as Element;
				return row.getBoundingClientRect().top - el.getBoundingClientRect().top;
			}, last);
			await page.waitForFunction((seq) => {
				const el = document.querySelector('[role="log"]') as HTMLElement;
				const rows = el.querySelectorAll("[data-seq]");
				const moved = rows[rows.length - 1]?.getAttribute("data-seq") !== String(seq);
				return moved || el.scrollHeight - el.scrollTop - el.clientHeight < 2;
			}, last);
			// Rows dropped above and added below: the line that was at the bottom has not moved.
			expect(Math.abs((await log.evaluate(rowTop, last)) - top)).toBeLessThan(STILL_PX);
			most = Math.max(most, await rowCount(page));
		}
		expect(most).toBeLessThanOrEqual(WINDOW_MAX);

		// Scrolled up a little, a new line: the view stays, the button offers it, and takes the reader there.
		await log.evaluate((el) => {
			el.scrollTop = el.scrollHeight - el.clientHeight - 400;
		});
		const before = await log.evaluate((el) => el.scrollTop);
		await filler.say("the newest line");
		const jump = page.getByRole("button", { name: /1 new message/ });
		await jump.waitFor();
		expect(await log.evaluate((el) => el.scrollTop)).toBe(before);
		await jump.click();
		await seeMessage(page, "Filler", "the newest line");
		await page.waitForFunction(() => {
			const el = document.querySelector('[role="log"]') as HTMLElement;
			return el.scrollHeight - el.scrollTop - el.clientHeight < 50;
		});
		expect(await rowCount(page)).toBeLessThanOrEqual(WINDOW_MAX);
		expect(reader.problems).toEqual([]);
		filler.close();
	});
});
