/**
 * Coming back goes straight in (issue #11, 2): a device that has been in a
 * room reopens it under its name, where it left off, with its draft; someone
 * new to the room still gets the landing page, Start Chat and the dialog.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { joinedPage, seeMessage, send } from "./chat-page";
import { People } from "./conversation";
import { roomUrl, sharedApp } from "./harness";

const { app, browser } = await sharedApp("raised");

const newRoomUrl = () => roomUrl(app, "return");

/** The chat is on screen without a click: the log, and no Start Chat. */
async function straightIn(page: Page) {
	await page.getByRole("log").waitFor();
	expect(await page.getByRole("button", { name: "Start Chat" }).count()).toBe(0);
	expect(await page.getByRole("dialog").count()).toBe(0);
}

/** The topmost message in view, and how far below the log's top edge it starts. */
function topInView(page: Page) {
	return page.getByRole("log").evaluate((log) => {
		const top = log.getBoundingClientRect().top;
		for (const el of log.querySelectorAll<HTMLElement>("article.msg[data-seq]")) {
			const r = el.getBoundingClientRect();
			if (r.bottom > top) return { seq: el.dataset.seq, offset: Math.round(r.top - top) };
		}
		return null;
	});
}

describe("coming back goes straight in", () => {
	it("reopens the room after a reload under the remembered name, with the draft and the log where it was, and tells no one", async () => {
		const url = newRoomUrl();
		const room = new URL(url).pathname.slice(3);
		const people = await People.join(app, room, ["Bruno", "Carla"]);
		await people.say(...Array.from({ length: 120 }, (_, i): [string, string] => ["Bruno", `line ${i + 1}`]));
		const ana = await joinedPage(browser, url, "Ana", { width: 800, height: 600 });

		await ana.page.getByLabel("Message", { exact: true }).fill("half a thought");
		await ana.page.getByRole("log").evaluate((el) => {
			el.scrollTop = Math.round(el.scrollHeight / 3);
		});
		const where = await topInView(ana.page);
		expect(where).not.toBeNull();

		await ana.page.reload();
		await straightIn(ana.page);
		await seeMessage(ana.page, "Bruno", "line 120");
		expect(await ana.page.getByLabel("Message", { exact: true }).inputValue()).toBe("half a thought");
		await ana.page.waitForFunction(
			(seq) => document.querySelector(`article.msg[data-seq="${seq}"]`) !== null,
			where?.seq,
		);
		const after = await topInView(ana.page);
		expect(after?.seq).toBe(where?.seq);
		expect(Math.abs((after?.offset ?? 0) - (where?.offset ?? 0))).toBeLessThanOrEqual(4);
		await send(ana.page, "back already");
		await people.seeLine("Carla", (l) => l.text === "back already");

		// Bruno goes: by the time his leave line comes, Ana's grace period has long run out; she caused one line only.
		people.close("Bruno");
		await people.seeLine("Carla", (l) => l.kind === "leave" && l.name === "Bruno");
		const anas = people.lines("Carla").filter((l) => l.kind !== "chat" && l.name === "Ana");
		expect(anas.map((l) => l.kind)).toEqual(["join"]);
		expect(ana.problems).toEqual([]);
		people.close();
	});

	it("opens the room in a new tab straight in, as the same person", async () => {
		const url = newRoomUrl();
		const ana = await joinedPage(browser, url, "Ana");
		const tab2 = await ana.context.newPage();
		await tab2.goto(url);
		await straightIn(tab2);
		await send(tab2, "from the second tab");
		await seeMessage(ana.page, "Ana", "from the second tab");
		expect(
			await ana.page
				.getByRole("complementary", { name: /Online/ })
				.getByRole("listitem")
				.count(),
		).toBe(1);
	});

	it("returns straight in after a long absence, announced again", async () => {
		const url = newRoomUrl();
		const people = await People.join(app, new URL(url).pathname.slice(3), ["Bruno"]);
		const ana = await joinedPage(browser, url, "Ana");
		await ana.page.close();
		await people.seeLine("Bruno", (l) => l.kind === "leave" && l.name === "Ana");
		const back = await ana.context.newPage();
		await back.goto(url);
		await straightIn(back);
		await people.seeLine("Bruno", (l) => l.kind === "join" && l.name === "Ana" && l.seq > 2);
		people.close();
	});

	it("changes the name from inside the chat, and remembers the new one", async () => {
		const url = newRoomUrl();
		const ana = await joinedPage(browser, url, "Ana");
		await ana.page.getByRole("button", { name: "You: Ana" }).click();
		await ana.page.getByRole("button", { name: "Change name" }).click();
		const dialog = ana.page.getByRole("dialog", { name: "Change your name" });
		expect(await dialog.getByLabel("Your name").inputValue()).toBe("Ana");
		await dialog.getByLabel("Your name").fill("Ana Maria");
		await dialog.getByRole("button", { name: "Save" }).click();
		await ana.page.getByRole("button", { name: "You: Ana Maria" }).waitFor();
		await send(ana.page, "new name");
		await seeMessage(ana.page, "Ana Maria", "new name");

		await ana.page.reload();
		await straightIn(ana.page);
		await ana.page.getByRole("button", { name: "You: Ana Maria" }).waitFor();
	});

	it("leaves the room from inside the chat, and the next visit starts at the landing page", async () => {
		const url = newRoomUrl();
		const people = await People.join(app, new URL(url).pathname.slice(3), ["Bruno"]);
		const ana = await joinedPage(browser, url, "Ana");
		await ana.page.getByRole("button", { name: "You: Ana" }).click();
		await ana.page.getByRole("button", { name: "Leave room" }).click();
		await ana.page.getByRole("button", { name: "Start Chat" }).waitFor();
		await people.seeLine("Bruno", (l) => l.kind === "leave" && l.name === "Ana");
		await ana.page.reload();
		await ana.page.getByRole("button", { name: "Start Chat" }).waitFor();
		expect(await ana.page.getByRole("log").count()).toBe(0);
		people.close();
	});

	it("still shows the landing page, Start Chat and the Welcome dialog to someone new to the room", async () => {
		const first = await joinedPage(browser, newRoomUrl(), "Ana");
		// The same device, another room: new to that one.
		await first.page.goto(newRoomUrl());
		await first.page.getByRole("button", { name: "Start Chat" }).click();
		await first.page.getByRole("dialog", { name: "Welcome to Hashzap" }).waitFor();
		expect(await first.page.getByLabel("Your name").inputValue()).toBe("Ana");
	});
});
