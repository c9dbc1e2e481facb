/**
 * Being told what matters, in Chromium against wrangler dev: completing
 * `@names` by keyboard, a mention that stands out, the "New messages" line
 * after time away, and notifications while the tab is hidden.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { backIn, joinAs, joinedPage, openPage, seeMessage, send, setTabHidden } from "./chat-page";
import { roomUrl, sharedApp } from "./harness";
import { joinPeer } from "./peer";

const { app, browser } = await sharedApp("raised");

const newRoomUrl = () => roomUrl(app, "attention");

describe("mentions", () => {
	it("completes @names by keyboard from a listbox of the room's members", async () => {
		const url = newRoomUrl();
		const ada = await joinedPage(browser, url, "Ada Lovelace");
		const adam = await joinedPage(browser, url, "Adam");
		const ana = await joinedPage(browser, url, "Ana");
		// Both are online for her: the list offers them.
		await ana.page.locator("aside.online .online-name", { hasText: "Adam" }).waitFor();

		const field = ana.page.getByLabel("Message", { exact: true });
		await field.pressSequentially("hi @ad");
		const list = ana.page.getByRole("listbox", { name: "Members" });
		await list.waitFor();
		expect(await list.getByRole("option").allTextContents()).toEqual(["@Ada Lovelace", "@Adam"]);
		expect(await field.getAttribute("aria-activedescendant")).toBe(
			await list.getByRole("option", { name: "@Ada Lovelace" }).getAttribute("id"),
		);
		// Each key's answer is drawn a moment after the key: waited for, as a person would see it.
		const selected = () => list.getByRole("option", { selected: true }).textContent();
		await field.press("ArrowDown");
		await expect.poll(selected).toBe("@Adam");
		await field.press("ArrowDown");
		await expect.poll(selected).toBe("@Ada Lovelace");
		// Enter completes, and does not send.
		await field.press("Enter");
		await expect.poll(() => field.inputValue()).toBe("hi @Ada Lovelace ");
		await list.waitFor({ state: "hidden" });

		// Tab completes too; Escape closes the list and leaves the text as typed.
		await field.pressSequentially("and @Ad");
		await list.waitFor();
		await field.press("Tab");
		await expect.poll(() => field.inputValue()).toBe("hi @Ada Lovelace and @Ada Lovelace ");
		await field.pressSequentially("@a");
		await list.waitFor();
		await field.press("Escape");
		await list.waitFor({ state: "hidden" });
		expect(await field.inputValue()).toBe("hi @Ada Lovelace and @Ada Lovelace @a");
		await expect.poll(() => ana.page.evaluate(() => document.activeElement?.id)).toBe("message");
		for (const p of [ada, adam, ana]) await p.context.close();
	});

	it("gives Up, Down and Enter to the open @ list, and Up in an empty field to editing the last message", async () => {
		const url = newRoomUrl();
		const ana = await joinedPage(browser, url, "Ana");
		const bruno = await joinedPage(browser, url, "Bruno");
		await ana.page.locator("aside.online .online-name", { hasText: "Bruno" }).waitFor();
		await send(ana.page, "lunch?");
		await seeMessage(bruno.page, "Ana", "lunch?");
		const field = ana.page.getByLabel("Message", { exact: true });
		const list = ana.page.getByRole("listbox", { name: "Members" });
		const editingNote = ana.page.getByText("Editing your message");

		// The list is open: Up moves in it (and edits nothing), Escape closes it.
		await field.pressSequentially("@b");
		await list.waitFor();
		// Each key's answer is drawn a moment after the key: waited for, as a person would see it.
		await field.press("ArrowUp");
		await expect.poll(() => list.getByRole("option", { selected: true }).textContent()).toBe("@Bruno");
		// Drawn with that move: no edit began.
		expect(await editingNote.count()).toBe(0);
		await field.press("Escape");
		await list.waitFor({ state: "hidden" });
		expect(await field.inputValue()).toBe("@b");

		// Closed and empty: Up edits her last message, where the list completes again, and Enter, once it has, saves.
		await field.fill("");
		await field.press("ArrowUp");
		await editingNote.waitFor();
		await expect.poll(() => field.inputValue()).toBe("lunch?");
		await field.press("End");
		await field.pressSequentially(" @br");
		await list.waitFor();
		await field.press("Enter");
		await expect.poll(() => field.inputValue()).toBe("lunch? @Bruno ");
		await editingNote.waitFor();
		await field.press("Enter");
		await editingNote.waitFor({ state: "detached" });
		// The room found the mention the edit added: Bruno sees the edited message set apart.
		const mention = bruno.page.getByRole("article", { name: "Ana mentioned you" });
		await mention.waitFor();
		expect(await mention.locator(".text").textContent()).toBe("lunch? @Bruno");
		for (const p of [ana, bruno]) await p.context.close();
	});

	it("sets a message that mentions you apart, with a mark and an accessible name that says so", async () => {
		const url = newRoomUrl();
		const ana = await joinedPage(browser, url, "Ana");
		const bruno = await joinedPage(browser, url, "Bruno");
		await send(bruno.page, "@ana can you look?");
		await send(bruno.page, "just chatting");
		await seeMessage(ana.page, "Bruno", "just chatting");

		const mention = ana.page.getByRole("article", { name: "Bruno mentioned you" });
		await mention.waitFor();
		expect(await mention.locator(".text").textContent()).toBe("@ana can you look?");
		expect(await mention.locator(".mention-mark").count()).toBe(1);
		expect(await ana.page.getByRole("log").locator("article.mention").count()).toBe(1);
		const background = (selector: string) =>
			ana.page
				.locator(selector)
				.first()
				.evaluate((el) => getComputedStyle(el.querySelector(".bubble") as Element).backgroundColor);
		expect(await background("article.mention")).not.toBe(await background("article.msg:not(.mention)"));
		// Bruno's own view marks nothing: it mentions Ana, not him.
		await seeMessage(bruno.page, "Bruno", "just chatting");
		expect(await bruno.page.getByRole("log").locator("article.mention").count()).toBe(0);
		for (const p of [ana, bruno]) await p.context.close();
	});
});

/** Whether a line is within the history's visible part. */
async function onScreen(page: Page, text: string): Promise<boolean> {
	const log = await page.getByRole("log").boundingBox();
	const line = await page.getByRole("log").getByText(text, { exact: true }).first().boundingBox();
	if (!log || !line) return false;
	return line.y >= log.y - 1 && line.y + line.height <= log.y + log.height + 1;
}

describe("where you stopped reading", () => {
	it("draws a New messages line after what you last saw, opens there, and loads history back to it", async () => {
		const url = newRoomUrl();
		const room = new URL(url).pathname.slice("/r/".length);
		const ana = await joinedPage(browser, url, "Ana");
		const bruno = await joinedPage(browser, url, "Bruno");
		for (let i = 1; i <= 3; i++) await send(bruno.page, `before ${i}`);
		await seeMessage(ana.page, "Bruno", "before 3");
		// Her tab has shown it: that is where she stopped reading. Then she closes it.
		await ana.page.waitForFunction((key) => Number(localStorage.getItem(key)) > 0, `hashzap:read:${room}`);
		await ana.page.close();

		// More than the first page (50 lines) comes while she is away.
		for (let i = 1; i <= 60; i++) await send(bruno.page, `after ${i}`);
		await seeMessage(bruno.page, "Bruno", "after 60");

		// Coming back goes straight in (issue #11), under the name the room accepted.
		const page = await ana.context.newPage();
		await page.goto(url);
		await backIn(page);
		const divider = page.getByRole("log").getByText("New messages", { exact: true });
		await divider.waitFor();
		// Right before the first line that came after that point, with the last line she saw just above it.
		expect(await page.locator(".new-divider + article .text").textContent()).toBe("after 1");
		expect(
			await page.locator(".new-divider").evaluate((el) => {
				let prev = el.previousElementSibling;
				while (prev && !prev.matches("article.msg")) prev = prev.previousElementSibling;
				return prev?.querySelector(".text")?.textContent;
			}),
		).toBe("before 3");
		// The view opens there, not at the bottom.
		await expect.poll(() => onScreen(page, "after 1")).toBe(true);
		expect(await onScreen(page, "after 60")).toBe(false);
		// The "N new messages" button still works from there.
		await send(bruno.page, "one more");
		await page.getByRole("button", { name: /new message/ }).click();
		await expect.poll(() => onScreen(page, "one more")).toBe(true);
		await page.context().close();
		await bruno.context.close();
	});
});

describe("where you stopped reading, with changes to messages", () => {
	it("counts edits, reactions and a message deleted since as nothing new; the line goes before the next new message", async () => {
		const url = newRoomUrl();
		const room = new URL(url).pathname.slice("/r/".length);
		const readKey = `hashzap:read:${room}`;
		const ana = await joinedPage(browser, url, "Ana");
		const bruno = await joinPeer(app, room, "Bruno");
		await bruno.say("old 1");
		await bruno.say("old 2");
		const old1 = await bruno.hear("old 1");
		const old2 = await bruno.hear("old 2");
		await seeMessage(ana.page, "Bruno", "old 2");
		const readUpTo = (page: Page, seq: number) =>
			page.waitForFunction(
				([key, at]) => Number(localStorage.getItem(key as string)) >= (at as number),
				[readKey, seq],
			);
		await readUpTo(ana.page, old2.seq);
		await ana.page.close();

		// Away: lines of the stream, but none a new message to read.
		await bruno.change({ type: "edit", seq: old1.seq, text: "old 1, fixed" });
		await bruno.change({ type: "react", seq: old2.seq, emoji: "👍", on: true });
		await bruno.say("gone soon");
		const gone = await bruno.hear("gone soon");
		await bruno.change({ type: "delete", seq: gone.seq });

		let page = await ana.context.newPage();
		await page.goto(url);
		await backIn(page);
		await seeMessage(page, "Bruno", "old 1, fixed");
		await page.getByRole("log").getByText("This message was deleted").waitFor();
		// The page has shown all of it (what it has on screen counts as read): a line, had it been placed, is drawn.
		await readUpTo(page, gone.seq);
		expect(await page.locator(".new-divider").count()).toBe(0);
		await page.close();

		// Away again: a change first (its seq comes right after where she stopped), then a new message.
		await bruno.change({ type: "react", seq: old1.seq, emoji: "🎉", on: true });
		await bruno.say("new one");
		page = await ana.context.newPage();
		await page.goto(url);
		await backIn(page);
		await page.getByRole("log").getByText("New messages", { exact: true }).waitFor();
		expect(await page.locator(".new-divider + article .text").textContent()).toBe("new one");
		bruno.close();
		await ana.context.close();
	});
});

declare global {
	interface Window {
		notes: { title: string; body?: string; tag?: string }[];
		permissionAsked: number;
		chimes: number;
		lastNote: { onclick: (() => void) | null } | null;
	}
}

/** Records notifications instead of showing them, and the permission requests and sounds. */
function recordNotifications() {
	window.notes = [];
	window.permissionAsked = 0;
	window.chimes = 0;
	window.lastNote = null;
	class RecordedNotification {
		static permission: NotificationPermission = "default";
		static async requestPermission() {
			window.permissionAsked += 1;
			RecordedNotification.permission = "granted";
			return "granted" as const;
		}
		onclick: (() => void) | null = null;
		constructor(title: string, options: NotificationOptions = {}) {
			window.notes.push({ title, body: options.body, tag: options.tag });
			window.lastNote = this;
		}
		close() {}
	}
	Object.defineProperty(window, "Notification", { value: RecordedNotification, configurable: true });
	const create = AudioContext.prototype.createOscillator;
	AudioContext.prototype.createOscillator = function (this: AudioContext) {
		window.chimes += 1;
		return create.call(this);
	};
}

/** A new room, and a page there (Ana's, not yet joined) that may notify and whose notifications are recorded. */
async function recordedPage() {
	const url = newRoomUrl();
	const context = await browser.newContext();
	await context.grantPermissions(["notifications"], { origin: app.url });
	await context.addInitScript(recordNotifications);
	const page = await context.newPage();
	await page.goto(url);
	return { url, room: new URL(url).pathname.slice("/r/".length), context, page };
}

describe("notifications", () => {
	it("asks for permission only from the control, then notifies a mention while hidden, one notification per room", async () => {
		const { url, room, context, page } = await recordedPage();
		const bruno = await openPage(browser, url);
		await joinAs(page, "Ana");
		await joinAs(bruno.page, "Bruno");
		expect(await page.evaluate(() => window.permissionAsked)).toBe(0);

		await page.getByText("Notifications", { exact: true }).click();
		expect(await page.getByRole("radio", { name: "Mentions" }).isChecked()).toBe(true);
		await page.getByRole("button", { name: "Turn on notifications" }).click();
		await page.waitForFunction(() => window.permissionAsked === 1);

		await setTabHidden(page, true);
		await send(bruno.page, "just chatting");
		await page.waitForFunction(() => document.title.startsWith("(1) Hashzap"));
		expect(await page.evaluate(() => window.notes)).toEqual([]);
		await send(bruno.page, "@Ana can you look?");
		await page.waitForFunction(() => window.notes.length === 1);
		expect(await page.evaluate(() => window.notes[0])).toEqual({
			title: "Bruno",
			body: "@Ana can you look?",
			tag: `hashzap:${room}`,
		});
		expect(await page.evaluate(() => window.chimes)).toBeGreaterThan(0);
		await page.waitForFunction(() => document.title.startsWith("(2 • @) Hashzap"));
		expect(await page.locator('link[rel="icon"]').getAttribute("href")).toMatch(/^data:image\/png/);

		// A second one updates the room's notification (same tag) instead of adding another.
		await send(bruno.page, "@ana and this");
		await page.waitForFunction(() => window.notes.length === 2);
		expect(await page.evaluate(() => window.notes[1])).toMatchObject({
			title: "Bruno · 2 new messages",
			tag: `hashzap:${room}`,
		});

		// Clicking it focuses the tab at that message.
		await page.evaluate(() => window.lastNote?.onclick?.());
		await page.waitForFunction(() => document.activeElement?.querySelector(".text")?.textContent === "@ana and this");
		await setTabHidden(page, false);
		await page.waitForFunction(() => document.title.startsWith("Hashzap"));
		expect(await page.locator('link[rel="icon"]').getAttribute("href")).toBe("/favicon.svg");

		// All messages: anything from others notifies; Off: nothing does.
		await page.getByRole("radio", { name: "All messages" }).check();
		await setTabHidden(page, true);
		await send(bruno.page, "plain news");
		await page.waitForFunction(() => window.notes.some((n) => n.body === "plain news"));
		await setTabHidden(page, false);
		await page.getByRole("radio", { name: "Off" }).check();
		await setTabHidden(page, true);
		await send(bruno.page, "@Ana silent");
		await page.waitForFunction(() => document.title.startsWith("(1 • @) Hashzap"));
		expect(await page.evaluate(() => window.notes.some((n) => n.body === "@Ana silent"))).toBe(false);
		expect(await page.evaluate(() => window.permissionAsked)).toBe(1);
		await context.close();
		await bruno.context.close();
	});
	it("Emma, whose name the look-alike key once hid (m is rn to it), is mentioned: the highlight, and a notification while hidden", async () => {
		const url = newRoomUrl();
		const context = await browser.newContext();
		await context.grantPermissions(["notifications"], { origin: app.url });
		await context.addInitScript(recordNotifications);
		const page = await context.newPage();
		await page.goto(url);
		const writer = await openPage(browser, url);
		await joinAs(page, "Emma");
		await joinAs(writer.page, "Writer");
		await page.getByText("Notifications", { exact: true }).click();
		await page.getByRole("button", { name: "Turn on notifications" }).click();
		await page.waitForFunction(() => window.permissionAsked === 1);

		await setTabHidden(page, true);
		await send(writer.page, "@EMMA are you there?");
		await page.waitForFunction(() => window.notes.length === 1);
		expect(await page.evaluate(() => window.notes[0])).toMatchObject({ title: "Writer", body: "@EMMA are you there?" });
		await setTabHidden(page, false);
		const mention = page.getByRole("article", { name: "Writer mentioned you" });
		await mention.waitFor();
		expect(await mention.locator(".text").textContent()).toBe("@EMMA are you there?");
		await context.close();
		await writer.context.close();
	});

	it("notifies new messages only: an edit or a reaction while hidden tells nothing, a deleted message counts no more", async () => {
		const { room, context, page } = await recordedPage();
		await joinAs(page, "Ana");
		const bruno = await joinPeer(app, room, "Bruno");
		await page.getByText("Notifications", { exact: true }).click();
		// Choosing a level is a gesture that asks for permission.
		await page.getByRole("radio", { name: "All messages" }).check();
		await page.waitForFunction(() => window.permissionAsked === 1);

		await setTabHidden(page, true);
		await bruno.say("hello");
		const hello = await bruno.hear("hello");
		await page.waitForFunction(() => window.notes.length === 1 && document.title.startsWith("(1) Hashzap"));
		// The edit makes it a mention, which the title shows; neither it nor the reaction is a notification.
		await bruno.change({ type: "edit", seq: hello.seq, text: "hello @Ana" });
		await bruno.change({ type: "react", seq: hello.seq, emoji: "👀", on: true });
		await page.waitForFunction(() => document.title.startsWith("(1 • @) Hashzap"));
		await bruno.say("second");
		const second = await bruno.hear("second");
		await page.waitForFunction(() => document.title.startsWith("(2 • @) Hashzap"));
		expect(await page.evaluate(() => window.notes.map((n) => n.body))).toEqual(["hello", "second"]);

		// Deleted while she was away: it no longer counts.
		await bruno.change({ type: "delete", seq: hello.seq });
		await page.waitForFunction(() => document.title.startsWith("(1) Hashzap"));
		await bruno.change({ type: "delete", seq: second.seq });
		await page.waitForFunction(() => document.title.startsWith("Hashzap"));
		expect(await page.evaluate(() => window.notes)).toHaveLength(2);
		bruno.close();
		await context.close();
	});
});
