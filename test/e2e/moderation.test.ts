/**
 * Moderation in Chromium: the owner of a new private room deletes a
 * member's message and bans a member,
 * slow mode refuses a second message and keeps its text, and a moderator
 * link makes a moderator in another browser. Each person is a browser
 * context of their own: their own localStorage, so their own device.
 */
import type { Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
	joinAs,
	openPage,
	openRoomSettings,
	ownerOfNewRoom,
	screenshot,
	seeMessage,
	seeSystemLine,
	send,
} from "./chat-page";
import { sharedApp } from "./harness";

const { app, browser } = await sharedApp("shipped");

async function memberJoins(url: string, name: string) {
	const member = await openPage(browser, url);
	await joinAs(member.page, name);
	return member;
}

/** A message's actions, as a mouse user shows them by hovering it. */
async function actionsOf(page: Page, text: string) {
	const message = page.getByRole("log").locator("article.msg", { hasText: text });
	await message.hover();
	return message.locator(".actions");
}

/**
 * A page's connection the test can cut, as a dropped network would (Chromium's offline mode leaves open
 * WebSockets alone): `cut` closes its socket and refuses its reconnects until `restore`. `sent` is what
 * the page sent the room.
 */
async function cuttable(page: Page) {
	let down = false;
	const open: WebSocketRoute[] = [];
	const sent: string[] = [];
	await page.routeWebSocket(/\/websocket/, (ws) => {
		if (down) return ws.close({ code: 4000, reason: "offline" });
		const server = ws.connectToServer();
		ws.onMessage((frame) => {
			sent.push(String(frame));
			server.send(frame);
		});
		open.push(ws);
	});
	return {
		sent,
		cut: async () => {
			down = true;
			for (const ws of open.splice(0)) await ws.close({ code: 4000, reason: "offline" });
		},
		restore: async () => {
			down = false;
			// The network is back: the page tries at once instead of at the end of its backoff.
			await page.evaluate(() => dispatchEvent(new Event("online")));
		},
	};
}

describe("moderation, in Chromium against wrangler dev", () => {
	it("lets the owner of a new private room delete another member's message, for everyone", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await memberJoins(ana.url, "Bruno");
		await send(bruno.page, "something vile");
		await seeMessage(ana.page, "Bruno", "something vile");
		await send(ana.page, "welcome, Bruno");
		await seeMessage(bruno.page, "Ana", "welcome, Bruno");
		// A member has Delete on their own messages only; the owner on everyone's.
		const own = await actionsOf(bruno.page, "something vile");
		expect(await own.getByRole("button", { name: "Delete", exact: true }).count()).toBe(1);
		const others = await actionsOf(bruno.page, "welcome, Bruno");
		expect(await others.getByRole("button", { name: "Delete", exact: true }).count()).toBe(0);

		await (await actionsOf(ana.page, "something vile")).getByRole("button", { name: "Delete", exact: true }).click();
		const confirm = ana.page.getByRole("dialog", { name: "Delete this message?" });
		await confirm.getByText("Everyone will see that Bruno's message was removed by a moderator.").waitFor();
		await confirm.getByRole("button", { name: "Delete" }).click();
		for (const page of [ana.page, bruno.page]) {
			await page.getByRole("log").locator("article.msg", { hasText: "Removed by a moderator" }).waitFor();
			expect(await page.getByRole("log").getByText("something vile").count()).toBe(0);
		}
		// Someone who comes later gets the line already removed.
		const carla = await memberJoins(ana.url, "Carla");
		await carla.page.getByRole("log").locator("article.msg", { hasText: "Removed by a moderator" }).waitFor();
		expect(await carla.page.getByRole("log").getByText("something vile").count()).toBe(0);
		await screenshot(ana.page, "message-removed");
		expect(ana.problems).toEqual([]);
	});

	it("lets the owner ban a member, whose page says so and who cannot come back from that browser", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await memberJoins(ana.url, "Bruno");
		await send(bruno.page, "hello from Bruno");
		await seeMessage(ana.page, "Bruno", "hello from Bruno");

		const online = ana.page.getByRole("complementary");
		await online.getByRole("button", { name: "Moderate Bruno" }).click();
		const menu = ana.page.getByRole("menu", { name: "Moderate Bruno" });
		expect(await menu.getByRole("menuitem").allTextContents()).toEqual(["Mute", "Kick", "Ban"]);
		await menu.getByRole("menuitem", { name: "Ban" }).click();
		const confirm = ana.page.getByRole("dialog", { name: "Ban Bruno" });
		await confirm.getByLabel("1 day").check();
		await confirm.getByRole("button", { name: "Ban" }).click();

		await seeSystemLine(ana.page, "Bruno was removed by a moderator");
		const notice = bruno.page.getByRole("alert").filter({ hasText: "You are banned from this room until" });
		await notice.waitFor();
		await screenshot(bruno.page, "banned");
		expect(await bruno.page.getByLabel("Message", { exact: true }).count()).toBe(0);

		// A reload does not help: the page goes straight back in (issue #11), and the room refuses this browser at the door.
		await bruno.page.reload();
		await bruno.page.getByRole("alert").filter({ hasText: "You are banned from this room until" }).waitFor();
		expect(await bruno.page.getByLabel("Message", { exact: true }).count()).toBe(0);
		expect(await bruno.page.getByRole("log").getByText("hello from Bruno").count()).toBe(0);
		expect(bruno.problems.filter((p) => !p.includes("WebSocket"))).toEqual([]);
		expect(ana.problems).toEqual([]);
	});

	it("refuses a second message under slow mode, showing when, and keeps the text in the composer", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await memberJoins(ana.url, "Bruno");
		const settings = await openRoomSettings(ana.page);
		await settings.getByLabel("Slow mode").selectOption({ label: "30 seconds" });
		await settings.getByRole("button", { name: "Close" }).click();

		await send(bruno.page, "first message");
		await seeMessage(ana.page, "Bruno", "first message");
		await send(bruno.page, "second, too soon");
		await bruno.page
			.getByRole("alert")
			.filter({ hasText: /Slow mode is on: you can send again in \d+ s/ })
			.waitFor();
		expect(await bruno.page.getByLabel("Message", { exact: true }).inputValue()).toBe("second, too soon");
		await screenshot(bruno.page, "slow-mode");
		expect(await ana.page.getByRole("log").getByText("second, too soon").count()).toBe(0);
	});

	it("hands an edit refused under slow mode back to the composer's edit, with its text (#19)", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await memberJoins(ana.url, "Bruno");
		const settings = await openRoomSettings(ana.page);
		await settings.getByLabel("Slow mode").selectOption({ label: "30 seconds" });
		await settings.getByRole("button", { name: "Close" }).click();

		await send(bruno.page, "my first mesage");
		await seeMessage(ana.page, "Bruno", "my first mesage");
		// An edit is speech: too soon after the message, the room refuses it.
		await (await actionsOf(bruno.page, "my first mesage")).getByRole("button", { name: "Edit", exact: true }).click();
		const field = bruno.page.getByLabel("Message", { exact: true });
		await expect.poll(() => field.inputValue()).toBe("my first mesage");
		await field.fill("my first message");
		await field.press("Enter");
		await bruno.page
			.getByRole("alert")
			.filter({ hasText: /Slow mode is on: you can send again in \d+ s/ })
			.waitFor();
		// Nothing typed is lost: the edit is open again, with the new text, to save once the room allows.
		await bruno.page.locator(".composing", { hasText: "Editing your message" }).waitFor();
		expect(await field.inputValue()).toBe("my first message");
		expect(await bruno.page.getByRole("button", { name: "Save" }).count()).toBe(1);
		expect(await bruno.page.locator("article.changing").count()).toBe(0);
		expect(await ana.page.getByRole("log").getByText("my first message").count()).toBe(0);
	});

	it("does not kick while the owner's page is out of the room, and says why, instead of kicking late (#19)", async () => {
		let line: Awaited<ReturnType<typeof cuttable>> | undefined;
		const ana = await ownerOfNewRoom(browser, app.url, "Ana", async (page) => {
			line = await cuttable(page);
		});
		const bruno = await memberJoins(ana.url, "Bruno");
		await ana.page.getByRole("complementary").getByRole("button", { name: "Moderate Bruno" }).click();
		await line?.cut();
		await ana.page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
		await ana.page.getByRole("menu", { name: "Moderate Bruno" }).getByRole("menuitem", { name: "Kick" }).click();
		const notDone = ana.page
			.getByRole("alert")
			.filter({ hasText: "Not done: this page is not connected to the room." });
		await notDone.waitFor();

		await line?.restore();
		await ana.page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
		await notDone.waitFor({ state: "detached" });
		// Back in the room, the kick does not go out late: Bruno hears Ana's next message, still in the room.
		await send(ana.page, "still here, Bruno?");
		await seeMessage(bruno.page, "Ana", "still here, Bruno?");
		expect(line?.sent.filter((f) => f.startsWith('{"type":"kick"'))).toEqual([]);
		expect(await bruno.page.getByText("You were removed from the room").count()).toBe(0);
		expect(await bruno.page.getByLabel("Message", { exact: true }).count()).toBe(1);
	});

	it("tells a banned member's page that they are out of the room, and offers nothing that cannot work (#19)", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await memberJoins(ana.url, "Bruno");
		const status = bruno.page.getByRole("status").and(bruno.page.locator(".status"));
		await status.filter({ hasText: "Connected" }).waitFor();
		await ana.page.getByRole("complementary").getByRole("button", { name: "Moderate Bruno" }).click();
		await ana.page.getByRole("menu", { name: "Moderate Bruno" }).getByRole("menuitem", { name: "Ban" }).click();
		const confirm = ana.page.getByRole("dialog", { name: "Ban Bruno" });
		await confirm.getByLabel("Until lifted").check();
		await confirm.getByRole("button", { name: "Ban" }).click();

		const outOfTheRoom = async ({ named }: { named: boolean }) => {
			await bruno.page.getByRole("alert").filter({ hasText: "You are banned from this room" }).waitFor();
			await status.filter({ hasText: "Out of the room" }).waitFor();
			// Nothing that needs the room: who is online, the empty room's invitation, notifications, another name.
			expect(await bruno.page.getByRole("complementary").count()).toBe(0);
			expect(await bruno.page.getByRole("button", { name: /online$/ }).count()).toBe(0);
			expect(await bruno.page.getByText("No messages yet.").count()).toBe(0);
			expect(await bruno.page.getByText("Notifications").count()).toBe(0);
			expect(await bruno.page.getByLabel("Message", { exact: true }).count()).toBe(0);
			if (!named) return;
			// The page had a name in the room: its menu still leaves the room, but offers no other name.
			await bruno.page.getByRole("button", { name: "You: Bruno" }).click();
			await bruno.page.getByRole("button", { name: "Leave room" }).waitFor();
			expect(await bruno.page.getByRole("button", { name: "Change name" }).count()).toBe(0);
			await bruno.page.keyboard.press("Escape");
		};
		await outOfTheRoom({ named: true });
		await screenshot(bruno.page, "banned-out");
		// After a reload the room refuses the device at the door: the page says the same.
		await bruno.page.reload();
		await outOfTheRoom({ named: false });
		expect(bruno.problems.filter((p) => !p.includes("WebSocket"))).toEqual([]);
	});

	it("refuses a banned moderator's page, also after a reload with the link still kept, and shows it no moderation controls (#27)", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const settings = await openRoomSettings(ana.page);
		await settings.getByRole("button", { name: "New moderator link" }).click();
		const link = await settings.getByLabel(/Moderator link/).inputValue();
		await settings.getByRole("button", { name: "Close" }).click();
		const zoya = await openPage(browser, link);
		await joinAs(zoya.page, "Зоя");
		await zoya.page.getByRole("button", { name: "Room settings" }).waitFor();
		await send(zoya.page, "I moderate here");
		await seeMessage(ana.page, "Зоя", "I moderate here");

		await ana.page.getByRole("complementary").getByRole("button", { name: "Moderate Зоя" }).click();
		await ana.page.getByRole("menu", { name: "Moderate Зоя" }).getByRole("menuitem", { name: "Ban" }).click();
		const confirm = ana.page.getByRole("dialog", { name: "Ban Зоя" });
		await confirm.getByLabel("Until lifted").check();
		await confirm.getByRole("button", { name: "Ban" }).click();
		await seeSystemLine(ana.page, "Зоя was removed by a moderator");

		const banned = () => zoya.page.getByRole("alert").filter({ hasText: "You are banned from this room until" });
		const controls = () =>
			zoya.page.getByRole("button", { name: /^(Room settings|Moderate )/ }).or(zoya.page.getByRole("menu"));
		await banned().waitFor();
		expect(await controls().count()).toBe(0);

		// The page goes straight back in and presents the moderator link it keeps: the room refuses the device.
		await zoya.page.reload();
		await banned().waitFor();
		expect(await controls().count()).toBe(0);
		expect(await zoya.page.getByLabel("Message", { exact: true }).count()).toBe(0);
		expect(await zoya.page.getByRole("log").getByText("I moderate here").count()).toBe(0);
		// Ana's lists: no moderator left, and the ban.
		const lists = await openRoomSettings(ana.page);
		await lists.getByText("No moderators yet: give someone the moderator link.").waitFor();
		expect(zoya.problems.filter((p) => !p.includes("WebSocket"))).toEqual([]);
		expect(ana.problems).toEqual([]);
	});

	it("makes whoever opens the moderator link a moderator, in another browser", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const settings = await openRoomSettings(ana.page);
		await settings.getByRole("button", { name: "New moderator link" }).click();
		const link = await settings.getByLabel(/Moderator link/).inputValue();
		expect(link).toMatch(/#mod=[A-Za-z0-9_-]{43}$/);
		await screenshot(ana.page, "room-settings");
		await settings.getByRole("button", { name: "Close" }).click();

		const carla = await openPage(browser, link);
		// The secret leaves the address bar at once.
		expect(carla.page.url()).not.toContain("#");
		await joinAs(carla.page, "Carla");
		await carla.page.getByRole("button", { name: "Room settings" }).waitFor();
		await ana.page
			.getByRole("complementary")
			.locator("li", { hasText: "Carla" })
			.locator(".role-badge", { hasText: "Mod" })
			.waitFor();
		await send(carla.page, "I can moderate now");
		const line = ana.page.getByRole("log").locator("article.msg", { hasText: "I can moderate now" });
		await line.locator(".role-badge", { hasText: "Mod" }).waitFor();
	});
});
