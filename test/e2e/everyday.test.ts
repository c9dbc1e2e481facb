import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { joinAs, joinedPage, messageTexts, openPage, seeMessage, send } from "./chat-page";
import { People } from "./conversation";
import { roomUrl, sharedApp } from "./harness";

const { app, browser } = await sharedApp("raised");

const newRoomUrl = () => roomUrl(app, "everyday");

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
	it("opens a private room named with 128 random bits, calls it a private room and copies its link", async () => {
		const context = await browser.newContext();
		await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
		const page = await context.newPage();
		await page.goto(app.url);
		await page.getByRole("button", { name: "New private room" }).click();
		// 22 base64url characters carry 132 bits, 128 of them random.
		await page.waitForURL(/\/r\/[A-Za-z0-9_-]{22}$/);
		await page.getByLabel("Your name").fill("Ana");
		await page.getByRole("button", { name: "Enter Chat" }).click();
		await page.getByRole("log").waitFor();
		// The random code means nothing to read: the header says what the room is.
		expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Private room");
		const header = page.locator(".chat-header");
		await header.getByRole("button", { name: "Copy link" }).click();
		await header.getByRole("button", { name: "Link copied" }).waitFor();
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
		const ana = await joinedPage(browser, url, "Ana");
		const bruno = await joinedPage(browser, url, "Bruno");
		// Ana's second tab: same browser profile, so the same device key; it goes straight in as Ana.
		const anaTab2 = await ana.context.newPage();
		await anaTab2.goto(url);
		await anaTab2.getByRole("log").waitFor();

		const online = bruno.page.getByRole("complementary", { name: /Online/ });
		await online.getByRole("listitem").filter({ hasText: "Ana" }).waitFor();
		// Once Bruno has what the second tab says, he has had whatever its arrival made the room tell him.
		await send(anaTab2, "from the second tab");
		await seeMessage(bruno.page, "Ana", "from the second tab");
		expect(await online.getByRole("listitem").allTextContents()).toEqual(["AAna", "BBruno (you)"]);
		expect(await online.locator(".count").textContent()).toBe("2");
		// Ana's second tab was not announced as a new arrival.
		expect(await bruno.page.getByRole("log").locator(".system").allTextContents()).toEqual(["Ana and Bruno joined"]);
	});

	it("shows who is typing, and clears it when the message is sent", async () => {
		const url = newRoomUrl();
		const ana = await joinedPage(browser, url, "Ana");
		const bruno = await joinedPage(browser, url, "Bruno");
		await ana.page.getByLabel("Message", { exact: true }).pressSequentially("Hel");
		await bruno.page.getByText("Ana is typing…").waitFor();
		// Bruno types back: once Ana sees that, she has had whatever the room said of her own typing, and it shows
		// only his.
		await bruno.page.getByLabel("Message", { exact: true }).pressSequentially("Hi");
		const typingLine = ana.page.locator("p.typing");
		await typingLine.filter({ hasText: "typing…" }).waitFor();
		expect(await typingLine.textContent()).toBe("Bruno is typing…");
		await ana.page.getByLabel("Message", { exact: true }).press("Enter");
		await seeMessage(bruno.page, "Ana", "Hel");
		await bruno.page.getByText("Ana is typing…").waitFor({ state: "detached" });
	});

	it("refuses a name someone else is using, in the dialog, which stays open", async () => {
		const url = newRoomUrl();
		await joinedPage(browser, url, "Ana");
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
		const ana = await joinedPage(browser, url, "Ana");
		const bruno = await joinedPage(browser, url, "Bruno");

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

	it("remembers the name on this device and pre-fills the dialog in a room new to it", async () => {
		const ana = await joinedPage(browser, newRoomUrl(), "Ana Maria");
		await ana.page.goto(newRoomUrl());
		await ana.page.getByRole("button", { name: "Start Chat" }).click();
		expect(await ana.page.getByLabel("Your name").inputValue()).toBe("Ana Maria");
	});

	it("counts unread messages in the title while the tab is hidden, and clears it on return", async () => {
		const url = newRoomUrl();
		const ana = await joinedPage(browser, url, "Ana");
		const bruno = await joinedPage(browser, url, "Bruno");
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
		// Ana talks from a socket of her own: the page under test is Bruno's.
		const ana = await People.join(app, roomOf(url), ["Ana"]);
		await ana.say(...Array.from({ length: 80 }, (_, i): [string, string] => ["Ana", `filler ${i + 1}`]));

		const bruno = await joinedPage(browser, url, "Bruno", { width: 800, height: 600 });
		const log = bruno.page.getByRole("log");
		await seeMessage(bruno.page, "Ana", "filler 80");
		// At the bottom: a new message is followed.
		const atBottom = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 50);
		await ana.say(["Ana", "followed"]);
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
		await ana.say(["Ana", "while you read older ones"]);
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
		ana.close();
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
		await context.close();
	});
});

/** The room's name in a URL made by newRoomUrl. */
const roomOf = (url: string) => new URL(url).pathname.slice("/r/".length);

/** The id, or else the role, of the focused element. */
const focused = (page: Page) =>
	page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute("role") || "body");

describe("focus where a person expects it (issue #11, 3)", () => {
	it("is in the composer after Enter Chat: the first thing typed lands there", async () => {
		const { page } = await openPage(browser, newRoomUrl());
		await joinAs(page, "Ana");
		expect(await focused(page)).toBe("message");
		await page.keyboard.type("typed at once");
		expect(await page.getByLabel("Message", { exact: true }).inputValue()).toBe("typed at once");
	});

	it("is on the name field after a refused name, blank or taken", async () => {
		const url = newRoomUrl();
		const people = await People.join(app, roomOf(url), ["Ana"]);
		const { page } = await openPage(browser, url);
		await page.getByRole("button", { name: "Start Chat" }).click();
		const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
		await dialog.getByLabel("Your name").fill(" ");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await dialog.getByRole("alert").filter({ hasText: "Please enter a name" }).waitFor();
		expect(await focused(page)).toBe("join-name");
		await dialog.getByLabel("Your name").fill("Ana");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await dialog.getByRole("alert").filter({ hasText: "is taken" }).waitFor();
		expect(await focused(page)).toBe("join-name");
		people.close();
	});

	it("stays in the composer after Send, clicked or tapped, so a phone keeps its keyboard", async () => {
		const url = newRoomUrl();
		const { page } = await openPage(browser, url);
		await joinAs(page, "Ana");
		await send(page, "clicked");
		await seeMessage(page, "Ana", "clicked");
		expect(await focused(page)).toBe("message");

		const phone = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
		const tapper = await phone.newPage();
		await tapper.goto(url);
		await joinAs(tapper, "Bruno");
		await tapper.getByLabel("Message", { exact: true }).fill("tapped");
		await tapper.getByRole("button", { name: "Send" }).tap();
		await seeMessage(tapper, "Bruno", "tapped");
		expect(await focused(tapper)).toBe("message");
		await phone.close();
	});

	it("counts only messages in 'N new messages', and moves focus to the log when it is pressed", async () => {
		const url = newRoomUrl();
		const people = await People.join(app, roomOf(url), ["Bruno"]);
		await people.say(...Array.from({ length: 60 }, (_, i): [string, string] => ["Bruno", `filler ${i + 1}`]));
		const { page } = await openPage(browser, url, { width: 800, height: 600 });
		await joinAs(page, "Ana");
		await seeMessage(page, "Bruno", "filler 60");
		const log = page.getByRole("log");
		await log.evaluate((el) => {
			el.scrollTop = el.scrollHeight - el.clientHeight - 400;
		});
		await people.add("Carla");
		await people.add("Dora");
		await people.say(["Bruno", "one new line"]);
		await seeMessage(page, "Bruno", "one new line");
		const jump = page.getByRole("button", { name: /new message/ });
		await jump.waitFor();
		expect(await jump.textContent()).toMatch(/^1 new message\b/);
		await jump.click();
		expect(await focused(page)).toBe("log");
		people.close();
	});
});

describe("quiet presence (issue #11, 4)", () => {
	it("folds consecutive join and leave lines into one line, names set apart from the words", async () => {
		const url = newRoomUrl();
		const people = await People.join(app, roomOf(url), ["Bruno", "Carla", "Dora", "Eve", "Femi"]);
		const { page } = await openPage(browser, url);
		await joinAs(page, "Ana");
		const lines = page.getByRole("log").locator(".system");
		// Ana's own arrival may come a moment after the others': the run is complete once it counts her.
		await lines.filter({ hasText: "and 4 others" }).waitFor();
		expect(await lines.allTextContents()).toEqual(["Bruno, Carla and 4 others joined"]);
		expect(await lines.locator(".who").allTextContents()).toEqual(["Bruno", "Carla"]);

		await people.say(["Bruno", "hello all"]);
		people.close("Dora");
		people.close("Eve");
		await lines.filter({ hasText: "left" }).waitFor();
		// Both departures are due together, so they may come as one line or two: either way they fold.
		await lines
			.filter({ hasText: "Dora and Eve left" })
			.or(lines.filter({ hasText: "Eve and Dora left" }))
			.waitFor();
		expect(await lines.count()).toBe(2);

		// A name that reads like a sentence of the room is shown as a name, apart from the room's words.
		await people.say(["Bruno", "bye Dora, bye Eve"]);
		await people.add("Zoe left the chat. Admin");
		const line = lines.filter({ hasText: "Admin" });
		await line.waitFor();
		expect(await line.locator(".who").allTextContents()).toEqual(["Zoe left the chat. Admin"]);
		const [who, words] = await line.evaluate((el) => [
			getComputedStyle(el.querySelector(".who") as Element).fontStyle,
			getComputedStyle(el).fontStyle,
		]);
		expect(who).not.toBe(words);
		people.close();
	});
});

describe("honest limits (issue #11, 5)", () => {
	it("keeps a name that is too long, says so with a counter, and refuses it visibly", async () => {
		const { page } = await openPage(browser, newRoomUrl());
		await page.getByRole("button", { name: "Start Chat" }).click();
		const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
		const field = dialog.getByLabel("Your name");
		await field.fill("A".repeat(10));
		expect(await dialog.locator(".counter").isVisible()).toBe(false);
		await field.fill("A".repeat(28));
		expect(await dialog.locator(".counter").textContent()).toBe("28/32");
		const long = "Maximiliana Bartholomew-Schmidtke";
		await field.fill(`${long}xx`);
		expect(await field.inputValue()).toBe(`${long}xx`);
		expect(await dialog.locator(".counter").textContent()).toBe("35/32");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await dialog.getByRole("alert").filter({ hasText: "at most 32 characters" }).waitFor();
		expect(await page.getByRole("log").count()).toBe(0);
	});

	it("keeps a pasted message that is too long, says so with a counter, and does not send it", async () => {
		const { page } = await openPage(browser, newRoomUrl());
		await joinAs(page, "Ana");
		const field = page.getByLabel("Message", { exact: true });
		const counter = page.locator(".composer .counter");
		await field.fill("x".repeat(1900));
		expect(await counter.textContent()).toBe("1900/2000");
		await field.fill("y".repeat(2003));
		expect((await field.inputValue()).length).toBe(2003);
		expect(await counter.textContent()).toBe("2003/2000");
		await page.getByRole("button", { name: "Send" }).click();
		await page.getByRole("alert").filter({ hasText: "at most 2000 characters" }).waitFor();
		expect(await page.getByRole("log").locator("article.msg").count()).toBe(0);
		expect((await field.inputValue()).length).toBe(2003);
	});
});

describe("private rooms in one step (issue #11, 6)", () => {
	it("goes from New private room straight to the dialog, and lets the creator title the room for everyone", async () => {
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(app.url);
		await page.getByText("Anyone with the link can join").waitFor();
		await page.getByRole("button", { name: "New private room" }).click();
		const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
		await dialog.waitFor();
		await page.waitForURL(/\/r\/[A-Za-z0-9_-]{22}$/);
		const url = page.url();
		await dialog.getByLabel("Your name").fill("Ana");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await page.getByRole("log").waitFor();
		expect(await focused(page)).toBe("message");
		await page.locator(".empty-room", { hasText: "Anyone with the link can join" }).waitFor();

		const bruno = await joinedPage(browser, url, "Bruno");
		await page.getByRole("button", { name: "Name this room" }).click();
		const naming = page.getByRole("dialog", { name: "Name this room" });
		await naming.getByLabel("Room title").fill("Weekend hike");
		await naming.getByRole("button", { name: "Save" }).click();
		for (const p of [page, bruno.page]) {
			await p.getByRole("heading", { level: 1, name: "Weekend hike" }).waitFor();
			await p.getByRole("log").locator(".system", { hasText: "named the room" }).waitFor();
		}
		expect(page.url()).toBe(url);
		await page.waitForFunction(() => document.title.includes("Weekend hike"));

		// Someone who comes later sees the title too, and cannot change it.
		const carla = await joinedPage(browser, url, "Carla");
		await carla.page.getByRole("heading", { level: 1, name: "Weekend hike" }).waitFor();
		await carla.page.getByRole("button", { name: "You: Carla" }).click();
		await carla.page.getByRole("button", { name: "Leave room" }).waitFor();
		expect(await carla.page.getByRole("button", { name: "Name this room" }).count()).toBe(0);
		await context.close();
	});
});

/** A colour's place in OKLab, where equal distances look equally different. */
function oklab(css: string): number[] {
	const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
		const v = Number(c) / 255;
		return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
	}) as [number, number, number];
	const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
	const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
	const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
	return [
		0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s,
		1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
		0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s,
	];
}

describe("the smaller problems (issue #11, 7)", () => {
	it("says Connected for the connection, and Online only for the people", async () => {
		const { page } = await openPage(browser, newRoomUrl());
		await joinAs(page, "Ana");
		await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
		expect(await page.getByRole("status").textContent()).not.toMatch(/online/i);
		await page.getByRole("complementary", { name: /Online/ }).waitFor();
	});

	it("shows a grouped message's time on hover, without a leading zero", async () => {
		// A time zone where it is now about 3 in the morning or afternoon: a one-digit hour.
		const hour = new Date().getUTCHours();
		let offset = 3 - hour;
		if (offset < -12) offset += 24;
		const timezoneId = offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
		const context = await browser.newContext({ locale: "en-US", timezoneId });
		const page = await context.newPage();
		const url = newRoomUrl();
		const people = await People.join(app, roomOf(url), ["Bruno"]);
		await people.say(["Bruno", "first of two"], ["Bruno", "second of two"]);
		await page.goto(url);
		await joinAs(page, "Ana");
		await seeMessage(page, "Bruno", "second of two");
		const grouped = page.locator("article.msg.grouped", { hasText: "second of two" });
		const time = grouped.locator("time");
		expect(await time.isVisible()).toBe(false);
		await grouped.hover();
		await time.waitFor({ state: "visible" });
		expect(await time.textContent()).toMatch(/^[1-9]:\d\d$/);
		for (const shown of await page.locator("article.msg header time").allTextContents()) {
			expect(shown).toMatch(/^[1-9]:\d\d\s?[AP]M$/);
		}
		people.close();
		await context.close();
	});

	it("folds a long message behind Show more", async () => {
		const url = newRoomUrl();
		const people = await People.join(app, roomOf(url), ["Bruno"]);
		await people.say(["Bruno", `${"a long message that goes on ".repeat(71)}end`.slice(0, 2000)]);
		const { page } = await openPage(browser, url, { width: 390, height: 844 });
		await joinAs(page, "Ana");
		const text = page.locator("article.msg .text").first();
		await text.waitFor();
		const folded = await text.evaluate((el) => el.getBoundingClientRect().height);
		expect(folded).toBeLessThan(844 / 2);
		await page.getByRole("button", { name: "Show more" }).click();
		expect(await text.evaluate((el) => el.getBoundingClientRect().height)).toBeGreaterThan(folded);
		await page.getByRole("button", { name: "Show less" }).waitFor();
		people.close();
	});

	it("invites sharing the link in an empty room", async () => {
		const { page } = await openPage(browser, newRoomUrl());
		await joinAs(page, "Ana");
		const hint = page.locator(".empty-room");
		await hint.waitFor();
		expect(await hint.textContent()).toMatch(/No messages yet/);
		await hint.getByRole("button", { name: "Copy link" }).waitFor();
		await send(page, "first!");
		await hint.waitFor({ state: "detached" });
	});

	it("keeps a long name and its time on one line at 360 px, and the dialog title too", async () => {
		const url = newRoomUrl();
		const people = await People.join(app, roomOf(url), ["Maximiliana Bartholomew-Schmidt"]);
		await people.say(["Maximiliana Bartholomew-Schmidt", "hi"]);
		const { page } = await openPage(browser, url, { width: 360, height: 640 });
		await page.getByRole("button", { name: "Start Chat" }).click();
		const title = page.getByRole("heading", { name: "Welcome to Hashzap" });
		const lineHeight = (sel: string) =>
			page
				.locator(sel)
				.first()
				.evaluate((el) => Number.parseFloat(getComputedStyle(el).lineHeight));
		expect(await title.evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(
			1.5 * (await lineHeight(".join-dialog h2")),
		);
		await page.getByLabel("Your name").fill("Ana");
		await page.getByRole("button", { name: "Enter Chat" }).click();
		await seeMessage(page, "Maximiliana", "hi");
		const header = page.locator("article.msg header").first();
		const line = await lineHeight("article.msg header");
		expect(await header.evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(1.5 * line);
		expect(await header.locator("time").evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(1.5 * line);
		people.close();
	});

	it("gives everyone in the room a clearly different avatar colour", async () => {
		const url = newRoomUrl();
		// Pairs that used to collide: Dora and Ana Maria (the same amber), Alice and Bob (red, orange-red).
		const people = await People.join(app, roomOf(url), ["Alice", "Bob", "Dora", "Ana Maria"]);
		const { page } = await openPage(browser, url);
		await joinAs(page, "Ana");
		const online = page.getByRole("complementary", { name: /Online/ });
		await online.getByRole("listitem").nth(4).waitFor();
		const colours = await online
			.locator(".avatar")
			.evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor));
		expect(colours).toHaveLength(5);
		const labs = colours.map(oklab);
		for (let i = 0; i < labs.length; i++) {
			for (let j = i + 1; j < labs.length; j++) {
				const [a, b] = [labs[i] as number[], labs[j] as number[]];
				const distance = Math.hypot(...a.map((v, k) => v - (b[k] as number)));
				expect(distance, `${colours[i]} and ${colours[j]}`).toBeGreaterThanOrEqual(0.1);
			}
		}
		people.close();
	});

	it("does not move the dialog when an error appears, nor Copy link when it changes its words", async () => {
		const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
		await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
		const page = await context.newPage();
		await page.goto(newRoomUrl());
		await page.getByRole("button", { name: "Start Chat" }).click();
		const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
		await dialog.waitFor();
		const box = async () => JSON.stringify(await dialog.boundingBox());
		const before = await box();
		await dialog.getByLabel("Your name").fill(" ");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await dialog.getByRole("alert").filter({ hasText: "Please enter a name" }).waitFor();
		expect(await box()).toBe(before);

		await dialog.getByLabel("Your name").fill("Ana");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await page.getByRole("log").waitFor();
		const copy = page.locator(".chat-header").getByRole("button", { name: "Copy link" });
		const width = await copy.evaluate((el) => el.getBoundingClientRect().width);
		await copy.click();
		const copied = page.locator(".chat-header").getByRole("button", { name: "Link copied" });
		await copied.waitFor();
		expect(await copied.evaluate((el) => el.getBoundingClientRect().width)).toBe(width);
		await context.close();
	});
});
