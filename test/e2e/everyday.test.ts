import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppServer, startApp } from "./app-server";
import { launchBrowser } from "./browser";
import { joinAs, messageTexts, openPage, screenshot, seeMessage, send } from "./chat-page";

let app: AppServer;
let browser: Browser;
let roomCount = 0;
const newRoomUrl = () => `${app.url}/r/everyday-${Date.now()}-${++roomCount}`;

beforeAll(async () => {
	// Generous rate limits: one test fills a room quickly through the page's own socket.
	[app, browser] = await Promise.all([
		startApp({ RATE_BURST: "500", RATE_PER_SECOND: "500", IP_RATE_BURST: "2000", IP_RATE_PER_SECOND: "2000" }),
		launchBrowser(),
	]);
});

afterAll(async () => {
	await browser?.close();
	await app?.stop();
});

async function seriousViolations(page: Page) {
	const { violations } = await new AxeBuilder({ page }).analyze();
	return violations
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** Hides or shows the tab as the browser would when the user switches tabs. */
async function setHidden(page: Page, hidden: boolean) {
	await page.evaluate((h) => {
		Object.defineProperty(document, "hidden", { configurable: true, get: () => h });
		Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (h ? "hidden" : "visible") });
		document.dispatchEvent(new Event("visibilitychange"));
	}, hidden);
}

describe("rooms", () => {
	it("opens a private room named with 128 random bits, shows its name and copies its link", async () => {
		const context = await browser.newContext();
		await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
		const page = await context.newPage();
		await page.goto(app.url);
		await page.getByRole("button", { name: "New private room" }).click();
		// 22 base64url characters carry 132 bits, 128 of them random.
		await page.waitForURL(/\/r\/[A-Za-z0-9_-]{22}$/);
		const room = new URL(page.url()).pathname.slice("/r/".length);
		await joinAs(page, "Ana");
		expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(room);
		await page.getByRole("button", { name: "Copy link" }).click();
		await page.getByRole("button", { name: "Link copied" }).waitFor();
		expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(page.url());
		await context.close();
	});

	it("answers a URL that is not a room name with a clear error page", async () => {
		const { page } = await openPage(browser, app.url);
		const res = await page.goto(`${app.url}/r/not.a%20room`);
		expect(res?.status()).toBe(400);
		await page.getByRole("heading", { name: "That is not a room name" }).waitFor();
		await page.getByRole("link", { name: "Go to the lobby" }).click();
		await page.getByRole("button", { name: "Start Chat" }).waitFor();
	});
});

describe("presence and typing", () => {
	it("lists who is online once per person, with a count", async () => {
		const url = newRoomUrl();
		const ana = await openPage(browser, url);
		await joinAs(ana.page, "Ana");
		const bruno = await openPage(browser, url);
		await joinAs(bruno.page, "Bruno");
		// Ana's second tab: same browser profile, so the same device key.
		const anaTab2 = await ana.context.newPage();
		await anaTab2.goto(url);
		await joinAs(anaTab2, "Ana");

		const online = bruno.page.getByRole("complementary", { name: /Online/ });
		await online.getByRole("listitem").filter({ hasText: "Ana" }).waitFor();
		expect(await online.getByRole("listitem").allTextContents()).toEqual(["AAna", "BBruno (you)"]);
		expect(await online.locator(".count").textContent()).toBe("2");
		await send(anaTab2, "from the second tab");
		await seeMessage(bruno.page, "Ana", "from the second tab");
		// Ana's second tab was not announced as a new arrival.
		expect(await bruno.page.getByRole("log").locator(".system").allTextContents()).toEqual([
			"Ana joined the chat",
			"Bruno joined the chat",
		]);
	});

	it("shows who is typing, and clears it when the message is sent", async () => {
		const url = newRoomUrl();
		const ana = await openPage(browser, url);
		await joinAs(ana.page, "Ana");
		const bruno = await openPage(browser, url);
		await joinAs(bruno.page, "Bruno");
		await ana.page.getByLabel("Message", { exact: true }).pressSequentially("Hel");
		await bruno.page.getByText("Ana is typing…").waitFor();
		expect(await ana.page.getByText("is typing…").count()).toBe(0);
		await ana.page.getByLabel("Message", { exact: true }).press("Enter");
		await seeMessage(bruno.page, "Ana", "Hel");
		await bruno.page.getByText("Ana is typing…").waitFor({ state: "detached" });
	});

	it("refuses a name someone else is using, in the dialog, which stays open", async () => {
		const url = newRoomUrl();
		const ana = await openPage(browser, url);
		await joinAs(ana.page, "Ana");
		const other = await openPage(browser, url);
		await other.page.getByRole("button", { name: "Start Chat" }).click();
		const dialog = other.page.getByRole("dialog", { name: "Welcome to Hashzap" });
		await dialog.getByLabel("Your name").fill("ANA");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await dialog.getByRole("alert").filter({ hasText: "is taken" }).waitFor();
		expect(await dialog.isVisible()).toBe(true);
		await dialog.getByLabel("Your name").fill("Ana B");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await other.page.getByRole("log").waitFor();
	});
});

describe("messages", () => {
	it("keeps line breaks (Shift+Enter), links safely, marks own messages and shows the time", async () => {
		const url = newRoomUrl();
		const ana = await openPage(browser, url);
		await joinAs(ana.page, "Ana");
		const bruno = await openPage(browser, url);
		await joinAs(bruno.page, "Bruno");

		const field = ana.page.getByLabel("Message", { exact: true });
		await field.pressSequentially("first line");
		await field.press("Shift+Enter");
		await field.pressSequentially("second line");
		await field.press("Enter");
		const lines = bruno.page.getByRole("log").locator(".text", { hasText: "first line" });
		await lines.waitFor();
		// biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point: line breaks must show
		expect(await lines.innerText()).toBe("first line\nsecond line");

		await send(ana.page, "docs at https://example.com/a?b=1. and javascript:alert(1)");
		const link = bruno.page.getByRole("link", { name: "https://example.com/a?b=1" });
		await link.waitFor();
		expect(await link.getAttribute("href")).toBe("https://example.com/a?b=1");
		expect(await link.getAttribute("target")).toBe("_blank");
		expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
		expect(await bruno.page.getByRole("log").getByRole("link").count()).toBe(1);

		const own = ana.page.locator("article.msg.own", { hasText: "first line" });
		await own.waitFor();
		expect(await bruno.page.locator("article.msg.own").count()).toBe(0);
		expect(await bruno.page.locator("article.msg time").first().getAttribute("datetime")).toMatch(
			/^\d{4}-\d{2}-\d{2}T/,
		);
		expect(await bruno.page.locator(".day").allTextContents()).toEqual(["Today"]);
	});

	it("remembers the name on this device and pre-fills the dialog", async () => {
		const url = newRoomUrl();
		const ana = await openPage(browser, url);
		await joinAs(ana.page, "Ana Maria");
		await ana.page.reload();
		await ana.page.getByRole("button", { name: "Start Chat" }).click();
		expect(await ana.page.getByLabel("Your name").inputValue()).toBe("Ana Maria");
	});

	it("counts unread messages in the title while the tab is hidden, and clears it on return", async () => {
		const url = newRoomUrl();
		const ana = await openPage(browser, url);
		await joinAs(ana.page, "Ana");
		const bruno = await openPage(browser, url);
		await joinAs(bruno.page, "Bruno");
		await setHidden(ana.page, true);
		for (const text of ["one", "two", "three"]) await send(bruno.page, text);
		await seeMessage(ana.page, "Bruno", "three");
		await ana.page.waitForFunction(() => document.title.startsWith("(3) Hashzap"));
		await setHidden(ana.page, false);
		await ana.page.waitForFunction(() => document.title.startsWith("Hashzap"));
	});
});

describe("scrolling", () => {
	it("follows new messages at the bottom, stays put when scrolled up with a jump button, and loads older pages without jumping", async () => {
		const url = newRoomUrl();
		const ana = await openPage(browser, url, { width: 800, height: 600 });
		await joinAs(ana.page, "Ana");
		for (let i = 1; i <= 80; i++) await send(ana.page, `filler ${i}`);
		await seeMessage(ana.page, "Ana", "filler 80");

		const bruno = await openPage(browser, url, { width: 800, height: 600 });
		await joinAs(bruno.page, "Bruno");
		const log = bruno.page.getByRole("log");
		await seeMessage(bruno.page, "Ana", "filler 80");
		// At the bottom: a new message is followed.
		const atBottom = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 50);
		await send(ana.page, "followed");
		await seeMessage(bruno.page, "Ana", "followed");
		await bruno.page.waitForFunction(() => {
			const el = document.querySelector('[role="log"]');
			return el !== null && el.scrollHeight - el.scrollTop - el.clientHeight < 50;
		});

		// Scrolled up a little: the view stays and offers a jump to the new ones.
		await log.evaluate((el) => {
			el.scrollTop = el.scrollHeight - el.clientHeight - 400;
		});
		const before = await log.evaluate((el) => el.scrollTop);
		await send(ana.page, "while you read older ones");
		await seeMessage(bruno.page, "Ana", "while you read older ones");
		const jump = bruno.page.getByRole("button", { name: /1 new message/ });
		await jump.waitFor();
		expect(await log.evaluate((el) => el.scrollTop)).toBe(before);
		await jump.click();
		await bruno.page.waitForFunction(() => {
			const el = document.querySelector('[role="log"]');
			return el !== null && el.scrollHeight - el.scrollTop - el.clientHeight < 50;
		});
		expect(await atBottom()).toBe(true);

		// To the top: the older page arrives above, and the message that was on screen stays where it was.
		const shownFirst = await bruno.page.locator("article.msg").first().getAttribute("data-seq");
		expect(Number(shownFirst)).toBeGreaterThan(1);
		await log.evaluate((el) => {
			el.scrollTop = 0;
		});
		await bruno.page
			.getByRole("log")
			.locator(".text", { hasText: /^filler 1$/ })
			.waitFor();
		const anchor = bruno.page.locator(`article.msg[data-seq="${shownFirst}"]`);
		const top = await anchor.evaluate((el) => el.getBoundingClientRect().top);
		const logTop = await log.evaluate((el) => el.getBoundingClientRect().top);
		expect(top - logTop).toBeGreaterThan(0);
		expect(await messageTexts(bruno.page)).toEqual([
			...Array.from({ length: 80 }, (_, i) => `filler ${i + 1}`),
			"followed",
			"while you read older ones",
		]);
	});
});

describe("accessibility and layout", () => {
	it("has no serious or critical axe violations on the landing page, the dialog and the chat", async () => {
		const url = newRoomUrl();
		const ana = await openPage(browser, url);
		expect(await seriousViolations(ana.page)).toEqual([]);
		await ana.page.getByRole("button", { name: "Start Chat" }).click();
		await ana.page.getByRole("dialog").waitFor();
		expect(await seriousViolations(ana.page)).toEqual([]);
		await ana.page.getByLabel("Your name").fill("Ana");
		await ana.page.getByRole("button", { name: "Enter Chat" }).click();
		await ana.page.getByRole("log").waitFor();
		await send(ana.page, "Hello, accessible world https://example.com");
		await seeMessage(ana.page, "Ana", "Hello, accessible world");
		expect(await seriousViolations(ana.page)).toEqual([]);
	});

	it("keeps focus in the dialog and returns it to Start Chat on Escape", async () => {
		const { page } = await openPage(browser, newRoomUrl());
		const start = page.getByRole("button", { name: "Start Chat" });
		await start.focus();
		await page.keyboard.press("Enter");
		await page.getByRole("dialog").waitFor();
		expect(await page.evaluate(() => document.activeElement?.id)).toBe("join-name");
		for (let i = 0; i < 6; i++) {
			await page.keyboard.press("Tab");
			expect(await page.evaluate(() => document.activeElement?.closest("dialog") !== null)).toBe(true);
		}
		await page.keyboard.press("Escape");
		await page.getByRole("dialog").waitFor({ state: "hidden" });
		expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Start Chat");
	});

	it("fits a 360 px phone and follows the system's dark mode", async () => {
		const url = newRoomUrl();
		const context = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark" });
		const page = await context.newPage();
		await page.goto(url);
		await joinAs(page, "Phone");
		await send(page, "A long message that has to wrap nicely on a small phone screen without any sideways scrolling");
		await seeMessage(page, "Phone", "A long message");
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
		const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
		expect(background).toBe("rgb(13, 17, 23)");
		await screenshot(page, "chat-phone-dark");
		await context.close();
	});
});
