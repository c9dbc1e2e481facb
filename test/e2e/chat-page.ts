/**
 * What a person does on the Hashzap page, as steps the browser tests share.
 * Every step waits for what the user would see; none sleeps.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Browser, Page } from "playwright-core";
// With its extension: the benchmark imports this file under plain Node (bench/scenarios/long-conversation.ts).
import { RECONNECT } from "../../protocol/timing.ts";

/**
 * A page in a browser context of its own (a device of its own), at `url`. With `clock`, the page's time is
 * Playwright's: it flows as usual until the test moves it on (`page.clock.runFor`), so that a test need not
 * wait out the page's timers in real time.
 */
export async function openPage(
	browser: Browser,
	url: string,
	options: { width?: number; height?: number; clock?: boolean } = {},
) {
	const context = await browser.newContext({
		viewport: { width: options.width ?? 1100, height: options.height ?? 720 },
	});
	if (options.clock) await context.clock.install();
	const page = await context.newPage();
	const problems: string[] = [];
	page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
	page.on("console", (m) => {
		if (m.type() === "error") problems.push(`console error: ${m.text()}`);
	});
	await page.goto(url);
	return { page, context, problems };
}

/** A page of its own at `url` (openPage), where `name` has joined (joinAs). */
export async function joinedPage(
	browser: Browser,
	url: string,
	name: string,
	options: Parameters<typeof openPage>[2] = {},
) {
	const opened = await openPage(browser, url, options);
	await joinAs(opened.page, name);
	return opened;
}

/** Start Chat → the dialog → a name → Enter Chat (or Enter in the field), until the chat shows. */
export async function joinAs(page: Page, name: string, { pressEnter = false } = {}) {
	await page.getByRole("button", { name: "Start Chat" }).click();
	const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
	await dialog.waitFor();
	await dialog.getByLabel("Your name").fill(name);
	if (pressEnter) await dialog.getByLabel("Your name").press("Enter");
	else await dialog.getByRole("button", { name: "Enter Chat" }).click();
	await page.getByRole("log").waitFor();
}

/**
 * Ana makes a new private room and enters it, in a browser context of her own: she is its owner (the Owner badge
 * by her name, Room settings in the header). Resolves with her page and the room's address.
 */
export async function ownerOfNewRoom(
	browser: Browser,
	appUrl: string,
	name = "Ana",
	/** Runs on the page before it opens the room's socket (to route it, say). */
	prepare?: (page: Page) => Promise<unknown>,
) {
	const owner = await openPage(browser, appUrl);
	await prepare?.(owner.page);
	await owner.page.getByRole("button", { name: "New private room" }).click();
	await owner.page.waitForURL(/\/r\/[A-Za-z0-9_-]{22}$/);
	// A new private room opens at the Welcome dialog (issue #11).
	const dialog = owner.page.getByRole("dialog", { name: "Welcome to Hashzap" });
	await dialog.getByLabel("Your name").fill(name);
	await dialog.getByRole("button", { name: "Enter Chat" }).click();
	await owner.page.getByRole("log").waitFor();
	await onlineEntry(owner.page, name).getByTitle("Owner of this room").waitFor();
	await owner.page.getByRole("button", { name: "Room settings" }).waitFor();
	return { ...owner, url: owner.page.url() };
}

/** Someone's line in the Online list: their name, their badge, and for an owner or a moderator their menu. */
export function onlineEntry(page: Page, name: string) {
	return page
		.getByRole("complementary")
		.getByRole("listitem")
		.filter({ has: page.getByText(name, { exact: true }) });
}

/** Opens Room settings from the header (owners and moderators only) and waits for its dialog. */
export async function openRoomSettings(page: Page) {
	await page.getByRole("button", { name: "Room settings" }).click();
	const dialog = page.getByRole("dialog", { name: "Room settings" });
	await dialog.waitFor();
	return dialog;
}

/** A device that has been in the room goes straight back in: the chat shows with no Start Chat and no dialog. */
export async function backIn(page: Page) {
	await page.getByRole("log").waitFor();
}

export async function send(page: Page, text: string, { pressEnter = false } = {}) {
	const field = page.getByLabel("Message", { exact: true });
	await field.fill(text);
	if (pressEnter) await field.press("Enter");
	else await page.getByRole("button", { name: "Send" }).click();
}

/** Waits until the history shows a chat message with this text from this sender. */
export async function seeMessage(page: Page, sender: string, text: string) {
	await page
		.getByRole("log")
		.locator("article.msg:not(.pending)", { has: page.locator(".text", { hasText: text }) })
		.filter({ hasText: sender })
		.first()
		.waitFor();
}

/** Waits until the history shows a system line (join, leave) with this text. */
export async function seeSystemLine(page: Page, text: string) {
	await page.getByRole("log").locator(".system", { hasText: text }).first().waitFor();
}

/** The texts of the confirmed chat messages in the history, in order. */
export function messageTexts(page: Page): Promise<string[]> {
	return page.getByRole("log").locator("article.msg:not(.pending) .text").allTextContents();
}

/** Saves a screenshot under test/e2e/.artifacts, and under docs/screenshots too when SAVE_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string) {
	const root = new URL("../../", import.meta.url).pathname;
	const targets = [join(root, "test/e2e/.artifacts", `${name}.png`)];
	if (process.env.SAVE_SCREENSHOTS === "1") targets.push(join(root, "docs/screenshots", `${name}.png`));
	for (const path of targets) {
		mkdirSync(dirname(path), { recursive: true });
		await page.screenshot({ path });
	}
}

/** Hides or shows the tab as the browser would when the user switches tabs. */
export async function setTabHidden(page: Page, hidden: boolean) {
	await page.evaluate((h) => {
		Object.defineProperty(document, "hidden", { configurable: true, get: () => h });
		Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (h ? "hidden" : "visible") });
		document.dispatchEvent(new Event("visibilitychange"));
	}, hidden);
}

/**
 * The server is back: the page's reconnect timer fires now, not after what is left of its backoff (up to
 * RECONNECT.maxMs of real time). Only the wait is skipped: the page tries as it would have, a moment later.
 * Its clock must be Playwright's (`openPage(…, { clock: true })`, or installed on its context).
 */
export async function skipBackoff(page: Page) {
	await page.clock.fastForward(RECONNECT.maxMs);
}
