import { describe, expect, it } from "vitest";
import { joinAs, joinedPage, messageTexts, openPage, screenshot, seeMessage, seeSystemLine, send } from "./chat-page";
import { sharedApp } from "./harness";

const { app, browser } = await sharedApp("shipped");

describe("the Hashzap chat, in Chromium against wrangler dev", () => {
	it("takes three people from Start Chat to talking in real time", async () => {
		const ana = await openPage(browser, app.url);
		const { page } = ana;

		// The landing page: a title and Start Chat, no chat yet.
		await page.getByRole("heading", { name: "Hashzap", level: 1 }).waitFor();
		expect(await page.getByRole("button", { name: "Start Chat" }).isVisible()).toBe(true);
		expect(await page.getByRole("log").count()).toBe(0);
		await screenshot(page, "landing");

		// A blank name is refused with a visible message, and the dialog stays.
		await page.getByRole("button", { name: "Start Chat" }).click();
		const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
		await dialog.waitFor();
		await dialog.getByLabel("Your name").fill("   ");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await dialog.getByRole("alert").filter({ hasText: "Please enter a name" }).waitFor();
		expect(await dialog.isVisible()).toBe(true);
		await screenshot(page, "dialog");

		// Enter in the field submits; the title and Start Chat give way to the chat.
		await dialog.getByLabel("Your name").fill("Ana");
		await dialog.getByLabel("Your name").press("Enter");
		await page.getByRole("log").waitFor();
		await dialog.waitFor({ state: "hidden" });
		expect(await page.getByRole("button", { name: "Start Chat" }).count()).toBe(0);
		expect(await page.getByRole("heading", { name: "Hashzap", level: 1 }).count()).toBe(0);
		expect(await page.getByLabel("Message", { exact: true }).isVisible()).toBe(true);
		expect(await page.getByRole("button", { name: "Send" }).isVisible()).toBe(true);
		await seeSystemLine(page, "Ana joined");

		const bruno = await joinedPage(browser, app.url, "Bruno");
		const carla = await openPage(browser, app.url, { width: 360, height: 720 });
		await joinAs(carla.page, "Carla", { pressEnter: true });
		// Arrivals one after another fold into one line.
		for (const p of [ana.page, bruno.page, carla.page]) {
			await seeSystemLine(p, "Ana, Bruno and Carla joined");
		}

		// Send reaches everyone at once with the sender's name; the field clears.
		await send(ana.page, "Hello everyone");
		for (const p of [ana.page, bruno.page, carla.page]) await seeMessage(p, "Ana", "Hello everyone");
		expect(await ana.page.getByLabel("Message", { exact: true }).inputValue()).toBe("");

		// HTML is shown as text, never run; Enter sends.
		const hostile = "<img src=x onerror=\"document.title='pwned'\"> <b>bold?</b>";
		await send(bruno.page, hostile, { pressEnter: true });
		for (const p of [ana.page, bruno.page, carla.page]) {
			await seeMessage(p, "Bruno", hostile);
			expect(await p.getByRole("log").locator("img, b").count()).toBe(0);
			expect(await p.title()).not.toBe("pwned");
		}

		// An empty message is not sent: the next real one follows the hostile one directly.
		await carla.page.getByLabel("Message", { exact: true }).fill("   ");
		await carla.page.getByLabel("Message", { exact: true }).press("Enter");
		await send(carla.page, "Carla here, on a phone");
		for (const p of [ana.page, bruno.page, carla.page]) await seeMessage(p, "Carla", "Carla here, on a phone");
		expect(await messageTexts(bruno.page)).toEqual(["Hello everyone", hostile, "Carla here, on a phone"]);

		for (const p of [ana, bruno, carla]) expect(p.problems).toEqual([]);
	});
});
