/**
 * Join and leave lines are structure, not text: a name element, then the
 * room's fixed words. A name that reads like a line of the room (issue #10)
 * stays visibly a name.
 */
import { describe, expect, it } from "vitest";
import { joinAs, openPage, seeSystemLine } from "./chat-page";
import { newRoom, sharedApp } from "./harness";

const { app, browser } = await sharedApp("shipped");

describe("system lines", () => {
	it("shows a joining name as a name element beside the fixed words, so no name reads as a sentence of the room", async () => {
		const room = newRoom("system-lines");
		const { page } = await openPage(browser, `${app.url}/r/${room}`);
		await joinAs(page, "Bob left the chat");
		await seeSystemLine(page, "joined");
		const line = page.getByRole("log").locator("p.system").last();
		// The name is an element of its own; the room's words are outside it.
		expect(await line.locator(".who").allTextContents()).toEqual(["Bob left the chat"]);
		expect(
			await line.evaluate((el) =>
				[...el.childNodes]
					.filter((n) => n.nodeType === Node.TEXT_NODE)
					.map((n) => n.textContent)
					.join("")
					.trim(),
			),
		).toBe("joined");
		// The name is set apart for the eye, not only for the DOM.
		const weight = await line.locator(".who").evaluate((el) => getComputedStyle(el).fontWeight);
		expect(Number(weight)).toBeGreaterThanOrEqual(600);
	});
});
