/**
 * Every screen at 360 px, 390 px and desktop, light and dark (issue #11):
 * no serious or critical axe violation, nothing wider than the screen. The
 * README's screenshots are taken here, from a conversation of 24 lines.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { openPage, screenshot, seeMessage, send } from "./chat-page";
import { CONVERSATION, People } from "./conversation";
import { sharedApp } from "./harness";

const { app, browser } = await sharedApp("raised");

const SIZES = [
	{ name: "phone", width: 360, height: 640 },
	{ name: "phone-390", width: 390, height: 844 },
	{ name: "desktop", width: 1280, height: 800 },
] as const;
const SCHEMES = ["light", "dark"] as const;

/** Problems a person would meet on this screen: serious axe violations, and anything wider than the screen. */
async function problemsOn(page: Page, screen: string): Promise<string[]> {
	const { violations } = await new AxeBuilder({ page }).analyze();
	const found = violations
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map((v) => `${screen}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
	const width = await page.evaluate(() => document.documentElement.scrollWidth);
	const viewport = page.viewportSize()?.width ?? 0;
	if (width > viewport) found.push(`${screen}: the page is ${width} px wide in a ${viewport} px screen`);
	return found;
}

/** Runs `check` at every size, light and dark, collecting the problems. */
async function everywhere(page: Page, screen: string, check?: (size: string, scheme: string) => Promise<void>) {
	const problems: string[] = [];
	for (const size of SIZES) {
		for (const scheme of SCHEMES) {
			await page.setViewportSize(size);
			await page.emulateMedia({ colorScheme: scheme });
			problems.push(...(await problemsOn(page, `${screen} at ${size.width} px, ${scheme}`)));
			await check?.(size.name, scheme);
		}
	}
	return problems;
}

describe("every screen, at every size, light and dark", () => {
	it("passes axe and fits the screen: landing, dialog, chat, online sheet and your menu", async () => {
		// No other file uses this room (the README's screenshots show its name), so it is new: Bruno, first in, made it and titles it.
		const room = "saturday-hike";
		const people = await People.join(app, room, ["Bruno", "Carla", "Dora"]);
		await people.title("Bruno", "Saturday hike");
		const { page, problems: pageErrors } = await openPage(browser, `${app.url}/r/${room}`);
		const problems: string[] = [];

		problems.push(...(await everywhere(page, "landing")));

		await page.getByRole("button", { name: "Start Chat" }).click();
		const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
		await dialog.waitFor();
		problems.push(...(await everywhere(page, "dialog")));
		await dialog.getByLabel("Your name").fill("Ana");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await page.getByRole("log").waitFor();

		for (const [name, text] of CONVERSATION) {
			if (name === "Ana") await send(page, text);
			else await people.say([name, text]);
			await seeMessage(page, name, text.split("\n")[0] as string);
		}

		problems.push(
			...(await everywhere(page, "chat", async (size, scheme) => {
				const suffix = scheme === "dark" ? "-dark" : "";
				// As a person typing would see it: focus in the composer, not on a button the last step used.
				await page.getByLabel("Message", { exact: true }).focus();
				if (size === "desktop") await screenshot(page, `chat-desktop${suffix}`);
				if (size === "phone" || size === "phone-390") {
					if (size === "phone" && scheme === "light") await screenshot(page, "chat-phone");
					if (size === "phone-390" && scheme === "dark") await screenshot(page, "chat-phone-dark");
					await page.getByRole("button", { name: /online/i }).click();
					await page.getByRole("dialog", { name: /Online/ }).waitFor();
					problems.push(...(await problemsOn(page, `online sheet at ${size}, ${scheme}`)));
					if (size === "phone" && scheme === "dark") await screenshot(page, "online-sheet-phone-dark");
					await page.keyboard.press("Escape");
					await page.getByRole("dialog", { name: /Online/ }).waitFor({ state: "hidden" });
				}
				await page.getByRole("button", { name: "You: Ana" }).click();
				await page.getByRole("button", { name: "Leave room" }).waitFor();
				problems.push(...(await problemsOn(page, `your menu at ${size}, ${scheme}`)));
				await page.keyboard.press("Escape");
				await page.getByRole("button", { name: "Leave room" }).waitFor({ state: "hidden" });
			})),
		);

		// A phone with its keyboard open, a draft on the way.
		await page.setViewportSize({ width: 360, height: 400 });
		await page.emulateMedia({ colorScheme: "light" });
		await page.getByLabel("Message", { exact: true }).fill("Bringing my camera too");
		await screenshot(page, "chat-phone-keyboard");

		expect(problems).toEqual([]);
		expect(pageErrors).toEqual([]);
		people.close();
		// Some thirty axe runs: far longer than one person's steps.
	}, 300_000);
});
