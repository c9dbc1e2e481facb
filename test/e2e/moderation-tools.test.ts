/**
 * The moderation tools in Chromium, each story as an owner or a moderator
 * goes through it on the page, and as the person it is done to sees it:
 * mute and lift, kick and come back, ban and lift, the lock, clearing the
 * history, the audit log, a new owner link. Then the page's own push
 * subscription, from the Notifications control: a failure the person is
 * told of, and Off, after which the room pushes nothing to that device.
 * Each person is a browser context of their own: their own device.
 */
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { deviceKeys } from "../push-crypto";
import { PushService } from "../push-service";
import {
	backIn,
	joinAs,
	joinedPage,
	messageTexts,
	onlineEntry,
	openPage,
	openRoomSettings,
	ownerOfNewRoom,
	seeMessage,
	seeSystemLine,
	send,
} from "./chat-page";
import { harness, newRoom, sharedApp } from "./harness";
import { joinPeer } from "./peer";
import { startPushServer } from "./push-server";

const { app, browser } = await sharedApp("shipped");

const composer = (page: Page) => page.getByLabel("Message", { exact: true });

/** Opens the menu on a member's name in the Online list: Mute, Kick, Ban. */
async function memberMenu(page: Page, name: string): Promise<Locator> {
	await onlineEntry(page, name)
		.getByRole("button", { name: `Moderate ${name}` })
		.click();
	const menu = page.getByRole("menu", { name: `Moderate ${name}` });
	await menu.waitFor();
	return menu;
}

/** Mute or Ban from a member's menu, for `howLong` as the dialog words it. */
async function restrict(page: Page, what: "Mute" | "Ban", name: string, howLong: string): Promise<void> {
	await (await memberMenu(page, name)).getByRole("menuitem", { name: what }).click();
	const dialog = page.getByRole("dialog", { name: `${what} ${name}` });
	await dialog.getByLabel(howLong).check();
	await dialog.getByRole("button", { name: what }).click();
	await dialog.waitFor({ state: "hidden" });
}

/** A line of Room settings' Muted or Banned list, by its words ("Bruno: until lifted"). */
const restriction = (settings: Locator, words: string) => settings.getByRole("listitem").filter({ hasText: words });

/**
 * A new link from Room settings (the owner's), once the room has made it: the field may still show the link made
 * before (`previous`) until the room's answer arrives. The dialog is closed again.
 */
async function newLink(page: Page, kind: "owner" | "moderator", previous?: string): Promise<string> {
	const label = kind === "owner" ? "Owner link" : "Moderator link";
	const settings = await openRoomSettings(page);
	await settings.getByRole("button", { name: `New ${kind} link` }).click();
	const field = settings.getByLabel(new RegExp(`^${label}`));
	const secret = kind === "owner" ? "owner" : "mod";
	await expect
		.poll(() => field.inputValue(), { message: `a new ${label.toLowerCase()} in Room settings` })
		.toMatch(new RegExp(`#${secret}=[A-Za-z0-9_-]{43}$`));
	if (previous) {
		await expect
			.poll(() => field.inputValue(), { message: `an ${label.toLowerCase()} other than the last` })
			.not.toBe(previous);
	}
	const link = await field.inputValue();
	await settings.getByRole("button", { name: "Close" }).click();
	return link;
}

/** Start Chat, a name, Enter Chat: as joinAs, but for a page the room may refuse. Resolves with the dialog. */
async function enterAs(page: Page, name: string): Promise<Locator> {
	await page.getByRole("button", { name: "Start Chat" }).click();
	const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
	await dialog.getByLabel("Your name").fill(name);
	await dialog.getByRole("button", { name: "Enter Chat" }).click();
	return dialog;
}

/**
 * Locks or unlocks the room from Room settings, and waits until the room has: Room settings opened again shows the
 * lock as the room last said it (the box ticked by a click shows only the click).
 */
async function setLock(page: Page, locked: boolean): Promise<void> {
	const settings = await openRoomSettings(page);
	await settings.getByLabel("Lock room").setChecked(locked);
	await settings.getByRole("button", { name: "Close" }).click();
	const again = await openRoomSettings(page);
	await expect
		.poll(() => again.getByLabel("Lock room").isChecked(), { message: `the room ${locked ? "locked" : "unlocked"}` })
		.toBe(locked);
	await again.getByRole("button", { name: "Close" }).click();
}

const ownerBadge = (page: Page, name: string) => onlineEntry(page, name).getByTitle("Owner of this room");

describe("moderation tools, in Chromium against wrangler dev", () => {
	it("mutes a member from their menu: their send is refused and kept, until the owner lifts it in Room settings", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await joinedPage(browser, ana.url, "Bruno");
		await restrict(ana.page, "Mute", "Bruno", "5 minutes");

		await send(bruno.page, "can I still talk?");
		await bruno.page
			.getByRole("alert")
			.filter({ hasText: /^You are muted until \d/ })
			.waitFor();
		// What Bruno typed is his again, to send later.
		await expect.poll(() => composer(bruno.page).inputValue()).toBe("can I still talk?");
		// Ana's own message comes back to her after Bruno's refused one would have: it never did.
		await send(ana.page, "the room goes on");
		await seeMessage(ana.page, "Ana", "the room goes on");
		await seeMessage(bruno.page, "Ana", "the room goes on");
		expect(await ana.page.getByRole("log").getByText("can I still talk?").count()).toBe(0);

		// Ana sees the mute she made in Room settings, and lifts it there.
		const settings = await openRoomSettings(ana.page);
		const muted = restriction(settings, "Bruno: until");
		await muted.waitFor();
		await muted.getByRole("button", { name: "Lift for Bruno" }).click();
		await settings.getByText("No one is muted.").waitFor();
		await settings.getByRole("button", { name: "Close" }).click();

		// Bruno sends what he had kept: it goes through, and the refusal is gone.
		await bruno.page.getByRole("button", { name: "Send" }).click();
		await seeMessage(ana.page, "Bruno", "can I still talk?");
		await bruno.page.getByRole("alert").filter({ hasText: "You are muted" }).waitFor({ state: "detached" });
		expect(await composer(bruno.page).inputValue()).toBe("");
		expect(ana.problems).toEqual([]);
		expect(bruno.problems).toEqual([]);
	});

	it("kicks a member, whose page says they may come back, and who does with Rejoin", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await joinedPage(browser, ana.url, "Bruno");
		await (await memberMenu(ana.page, "Bruno")).getByRole("menuitem", { name: "Kick" }).click();

		await seeSystemLine(ana.page, "Bruno was removed by a moderator");
		expect(await onlineEntry(ana.page, "Bruno").count()).toBe(0);
		const notice = bruno.page
			.getByRole("alert")
			.filter({ hasText: "You were removed from the room by a moderator. You may come back." });
		await notice.waitFor();
		expect(await composer(bruno.page).count()).toBe(0);

		await notice.getByRole("button", { name: "Rejoin" }).click();
		// The page that was kicked had no composer: this one is the page after Rejoin, back in the room.
		await composer(bruno.page).waitFor();
		await onlineEntry(ana.page, "Bruno").waitFor();
		await send(bruno.page, "I'm back");
		await seeMessage(ana.page, "Bruno", "I'm back");
		expect(ana.problems).toEqual([]);
	});

	it("bans a member until lifted, refused again after a reload, and lets them back once the ban is lifted in Room settings", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await joinedPage(browser, ana.url, "Bruno");
		await restrict(ana.page, "Ban", "Bruno", "Until lifted");

		await seeSystemLine(ana.page, "Bruno was removed by a moderator");
		const banned = "You are banned from this room until a moderator lifts the ban.";
		await bruno.page.getByRole("alert").filter({ hasText: banned }).waitFor();
		await bruno.page.reload();
		await bruno.page.getByRole("alert").filter({ hasText: banned }).waitFor();
		expect(await composer(bruno.page).count()).toBe(0);
		// Another browser of his (a new device key) comes from the same address, which the ban holds for a day.
		const other = await openPage(browser, ana.url);
		await enterAs(other.page, "Bruno again");
		await other.page.getByText(/^You are banned from this room until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/).waitFor();
		expect(await other.page.getByRole("log").count()).toBe(0);

		const settings = await openRoomSettings(ana.page);
		const ban = restriction(settings, "Bruno: until lifted");
		await ban.waitFor();
		await ban.getByRole("button", { name: "Lift for Bruno" }).click();
		await settings.getByText("No one is banned.").waitFor();
		await settings.getByRole("button", { name: "Close" }).click();

		// The same browser, on the same address, comes back in.
		await bruno.page.reload();
		await composer(bruno.page).waitFor();
		await onlineEntry(ana.page, "Bruno").waitFor();
		await send(bruno.page, "thanks for lifting it");
		await seeMessage(ana.page, "Bruno", "thanks for lifting it");
		expect(await bruno.page.getByRole("alert").filter({ hasText: "banned" }).count()).toBe(0);
		// The address is free again too: his other browser, opening the room again, gets in.
		await other.page.reload();
		await enterAs(other.page, "Bruno again");
		await other.page.getByRole("log").waitFor();
		await onlineEntry(ana.page, "Bruno again").waitFor();
		expect(ana.problems).toEqual([]);
	});

	it("locks the room: a new device is refused at the door and told why, a device that was here gets in; unlocking lets newcomers in", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await joinedPage(browser, ana.url, "Bruno");
		await onlineEntry(ana.page, "Bruno").waitFor();
		// Bruno closes his tab: his device has been in the room.
		await bruno.page.close();

		await setLock(ana.page, true);
		const carla = await openPage(browser, ana.url);
		const welcome = await enterAs(carla.page, "Carla");
		await carla.page.getByText("This room is locked: only people who have been in it before may join").waitFor();
		expect(await carla.page.getByRole("log").count()).toBe(0);
		expect(await onlineEntry(ana.page, "Carla").count()).toBe(0);

		// Bruno opens the room again on his device: straight in.
		const again = await bruno.context.newPage();
		await again.goto(ana.url);
		await backIn(again);
		await onlineEntry(ana.page, "Bruno").waitFor();

		await setLock(ana.page, false);
		// Carla tries again.
		await welcome.getByRole("button", { name: "Enter Chat" }).click();
		await carla.page.getByRole("log").waitFor();
		await onlineEntry(ana.page, "Carla").waitFor();
		expect(ana.problems).toEqual([]);
	});

	it("clears the history: everyone's log says so and the old lines are gone, also after a reload", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const bruno = await joinedPage(browser, ana.url, "Bruno");
		await send(ana.page, "before the clear, from Ana");
		await seeMessage(bruno.page, "Ana", "before the clear, from Ana");
		await send(bruno.page, "before the clear, from Bruno");
		await seeMessage(ana.page, "Bruno", "before the clear, from Bruno");

		const settings = await openRoomSettings(ana.page);
		await settings.getByRole("button", { name: "Clear history" }).click();
		await settings.getByRole("button", { name: "Delete all messages" }).click();
		await settings.getByRole("button", { name: "Close" }).click();

		for (const page of [ana.page, bruno.page]) {
			await seeSystemLine(page, "The history was cleared by a moderator");
			expect(await messageTexts(page)).toEqual([]);
		}
		await send(bruno.page, "after the clear");
		await seeMessage(ana.page, "Bruno", "after the clear");
		for (const page of [ana.page, bruno.page]) {
			await page.reload();
			await backIn(page);
			await seeMessage(page, "Bruno", "after the clear");
			await seeSystemLine(page, "The history was cleared by a moderator");
			expect(await messageTexts(page)).toEqual(["after the clear"]);
		}
		expect(ana.problems).toEqual([]);
	});

	it("keeps an audit log that owners and moderators read in Room settings: who did what to whom, newest first", async () => {
		const ana = await ownerOfNewRoom(browser, app.url);
		const dora = await joinedPage(browser, await newLink(ana.page, "moderator"), "Dora");
		await dora.page.getByRole("button", { name: "Room settings" }).waitFor();
		const bruno = await joinedPage(browser, ana.url, "Bruno");
		const carla = await joinedPage(browser, ana.url, "Carla");
		await onlineEntry(dora.page, "Carla").waitFor();

		// Dora mutes Bruno for an hour, then thinks better of it.
		await restrict(dora.page, "Mute", "Bruno", "1 hour");
		const doraSettings = await openRoomSettings(dora.page);
		await restriction(doraSettings, "Bruno: until").getByRole("button", { name: "Lift for Bruno" }).click();
		await doraSettings.getByText("No one is muted.").waitFor();

		// Ana locks the room and unlocks it, which Dora's Room settings show each time; then she clears the history.
		const settings = await openRoomSettings(ana.page);
		const doraLock = doraSettings.getByLabel("Lock room");
		await settings.getByLabel("Lock room").check();
		await expect.poll(() => doraLock.isChecked(), { message: "the lock, in Dora's Room settings" }).toBe(true);
		await settings.getByLabel("Lock room").uncheck();
		await expect.poll(() => doraLock.isChecked(), { message: "no lock, in Dora's Room settings" }).toBe(false);
		await doraSettings.getByRole("button", { name: "Close" }).click();
		await settings.getByRole("button", { name: "Clear history" }).click();
		await settings.getByRole("button", { name: "Delete all messages" }).click();
		await settings.getByRole("button", { name: "Close" }).click();
		await seeSystemLine(dora.page, "The history was cleared by a moderator");

		// Dora kicks Carla; Ana bans Bruno until lifted, then lifts it.
		await (await memberMenu(dora.page, "Carla")).getByRole("menuitem", { name: "Kick" }).click();
		await seeSystemLine(ana.page, "Carla was removed by a moderator");
		await restrict(ana.page, "Ban", "Bruno", "Until lifted");
		await seeSystemLine(ana.page, "Bruno was removed by a moderator");
		const lifting = await openRoomSettings(ana.page);
		await restriction(lifting, "Bruno: until lifted").getByRole("button", { name: "Lift for Bruno" }).click();
		await lifting.getByText("No one is banned.").waitFor();

		await lifting.getByRole("button", { name: "Show the audit log" }).click();
		const expected = [
			"Ana (owner) lifted the ban of Bruno",
			"Ana (owner) banned Bruno: until lifted",
			"Dora (moderator) kicked Carla",
			"Ana (owner) cleared the history",
			"Ana (owner) unlocked the room",
			"Ana (owner) locked the room",
			"Dora (moderator) lifted the mute of Bruno",
			expect.stringMatching(/^Dora \(moderator\) muted Bruno: 60 minutes, until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/),
			"Dora (moderator) became a moderator: moderator link",
			"Ana (owner) made a new moderator link",
		];
		await expect
			.poll(() => auditEntries(lifting), { message: "the audit log's entries" })
			.toEqual(expect.arrayContaining([expected[0]]));
		expect((await auditEntries(lifting)).slice(0, expected.length)).toEqual(expected);

		// Dora, a moderator, reads the same log.
		const doraLog = await openRoomSettings(dora.page);
		await doraLog.getByRole("button", { name: "Show the audit log" }).click();
		await expect
			.poll(() => auditEntries(doraLog), { message: "the audit log's entries, as Dora sees them" })
			.toEqual(await auditEntries(lifting));
		for (const person of [ana, dora]) expect(person.problems).toEqual([]);
		await Promise.all([bruno, carla].map((p) => p.context.close()));
	});

	it("hands ownership on with a new owner link: the device that opens it is an owner, an owner device without it a member again", async () => {
		// Ana's laptop made the room; her phone became an owner too, with the owner link of the time.
		const laptop = await ownerOfNewRoom(browser, app.url);
		const first = await newLink(laptop.page, "owner");
		const phone = await joinedPage(browser, first, "Ana on the phone");
		await phone.page.getByRole("button", { name: "Room settings" }).waitFor();
		await ownerBadge(laptop.page, "Ana on the phone").waitFor();

		// A new owner link, opened on her tablet.
		const second = await newLink(laptop.page, "owner", first);
		const tablet = await joinedPage(browser, second, "Ana on the tablet");
		await tablet.page.getByRole("button", { name: "Room settings" }).waitFor();
		for (const page of [laptop.page, phone.page, tablet.page]) await ownerBadge(page, "Ana on the tablet").waitFor();

		// The phone did not open the new link: it is a member now, on every page and after a reload.
		await ownerBadge(laptop.page, "Ana on the phone").waitFor({ state: "detached" });
		await phone.page.getByRole("button", { name: "Room settings" }).waitFor({ state: "detached" });
		await phone.page.reload();
		await backIn(phone.page);
		await ownerBadge(phone.page, "Ana on the tablet").waitFor();
		expect(await ownerBadge(phone.page, "Ana on the phone").count()).toBe(0);
		expect(await phone.page.getByRole("button", { name: "Room settings" }).count()).toBe(0);
		// The laptop that made the new link holds it: still an owner.
		expect(await ownerBadge(tablet.page, "Ana").count()).toBe(1);
		expect(await laptop.page.getByRole("button", { name: "Room settings" }).count()).toBe(1);

		// The old link makes no one an owner any more.
		const stranger = await joinedPage(browser, first, "Dan");
		await ownerBadge(stranger.page, "Ana on the tablet").waitFor();
		expect(await ownerBadge(stranger.page, "Dan").count()).toBe(0);
		expect(await stranger.page.getByRole("button", { name: "Room settings" }).count()).toBe(0);
	});
});

/** The audit log's entries as Room settings shows them, without their times. */
function auditEntries(settings: Locator): Promise<string[]> {
	return settings
		.getByRole("list")
		.filter({ has: settings.page().locator("time") })
		.getByRole("listitem")
		.evaluateAll((items) =>
			items.map((item) => (item.textContent ?? "").replace(item.querySelector("time")?.textContent ?? "", "").trim()),
		);
}

// The page's own push subscription. In Chromium without a push service, the Push API is the page's own: an init
// script puts in its place one that subscribes with the test's endpoint and device keys, or fails as a browser does.
const pushService = new PushService();
const { push } = harness();
const pushServer = await startPushServer(pushService, push, push.ports.moderationTools);
afterAll(() => pushServer.close());

type FakePush = { endpoint: string; p256dh: string; auth: string } | { fails: string };

/** Runs in the page: the Push API, answering as `push` says. */
function fakePushManager(push: FakePush) {
	let current: PushSubscription | null = null;
	PushManager.prototype.getSubscription = async () => current;
	PushManager.prototype.subscribe = async () => {
		if ("fails" in push) throw new DOMException(push.fails, "AbortError");
		const json = { endpoint: push.endpoint, expirationTime: null, keys: { p256dh: push.p256dh, auth: push.auth } };
		current = {
			endpoint: push.endpoint,
			toJSON: () => json,
			unsubscribe: async () => {
				current = null;
				return true;
			},
		} as unknown as PushSubscription;
		return current;
	};
}

/**
 * A device that allows notifications, with the Push API `push` describes, at `url`; what its page sends the room
 * is kept, to wait on (`told`).
 */
async function pushDevice(url: string, fake: FakePush, { allowed = true } = {}) {
	const context: BrowserContext = await browser.newContext();
	if (allowed) await context.grantPermissions(["notifications"], { origin: app.url });
	await context.addInitScript(fakePushManager, fake);
	const page = await context.newPage();
	const sent: { type: string; level?: string }[] = [];
	page.on("websocket", (ws) =>
		ws.on("framesent", ({ payload }) => {
			// Frames are JSON, but for the heartbeat's "ping".
			if (typeof payload === "string" && payload.startsWith("{")) sent.push(JSON.parse(payload));
		}),
	);
	const problems: string[] = [];
	page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
	await page.goto(url);
	/** Waits until the page has told the room `type` (at `level`), as many times as `count`. */
	const told = (type: "subscribe" | "unsubscribe", { level, count = 1 }: { level?: string; count?: number } = {}) =>
		expect
			.poll(() => sent.filter((f) => f.type === type && (level === undefined || f.level === level)).length, {
				message: `the page's ${type}${level ? ` at ${level}` : ""} frame on its socket`,
			})
			.toBeGreaterThanOrEqual(count);
	return { context, page, sent, told, problems };
}

async function endpoint() {
	const keys = await deviceKeys();
	const url = `${pushServer.origin}/send/${crypto.randomUUID()}`;
	return { endpoint: url, p256dh: keys.p256dh, auth: keys.auth, path: new URL(url).pathname };
}

const notifications = (page: Page) => page.getByRole("group", { name: "Tell me about" });

async function openNotifications(page: Page) {
	await page.getByText("Notifications", { exact: true }).click();
	await notifications(page).waitFor();
	return notifications(page);
}

describe("the page's push subscription, from the Notifications control", () => {
	it("tells the person when this browser cannot subscribe to push, and says nothing once they choose Off", async () => {
		const room = newRoom("push-fails");
		const bruno = await pushDevice(`${app.url}/r/${room}`, {
			fails: "Registration failed - push service not available",
		});
		await joinAs(bruno.page, "Bruno");
		const control = await openNotifications(bruno.page);
		await control.getByRole("radio", { name: "All messages" }).check();
		const problem = control.getByRole("alert");
		await problem.filter({ hasText: "push service not available" }).waitFor();
		expect(await problem.textContent()).toMatch(/only while Hashzap is open/);

		await control.getByRole("radio", { name: "Off" }).check();
		await bruno.told("unsubscribe");
		await problem.waitFor({ state: "detached" });
		expect(bruno.problems).toEqual([]);
		await bruno.context.close();
	});

	it("says so when the browser blocks notifications", async () => {
		const bruno = await pushDevice(`${app.url}/r/${newRoom("push-blocked")}`, await endpoint(), { allowed: false });
		await joinAs(bruno.page, "Bruno");
		const control = await openNotifications(bruno.page);
		await control.getByRole("radio", { name: "All messages" }).check();
		await control
			.getByText("This browser blocks notifications for Hashzap; allow them in its site settings.")
			.waitFor();
		await bruno.context.close();
	});

	it("subscribes from the page, and after Off the room pushes nothing more to that device", async () => {
		const room = newRoom("push-off");
		const url = `${app.url}/r/${room}`;
		const ana = await joinPeer(app, room, "Ana");
		const [brunoPush, carlaPush] = [await endpoint(), await endpoint()];

		// Carla's page subscribes as it opens (Mentions, the default; notifications allowed), and she closes it.
		const carla = await pushDevice(url, carlaPush);
		await joinAs(carla.page, "Carla");
		await carla.told("subscribe", { level: "mentions" });
		await carla.page.close();

		// Bruno's asks for every message, then for nothing, and he closes it.
		const bruno = await pushDevice(url, brunoPush);
		await joinAs(bruno.page, "Bruno");
		await bruno.told("subscribe", { level: "mentions" });
		const control = await openNotifications(bruno.page);
		await control.getByRole("radio", { name: "All messages" }).check();
		await bruno.told("subscribe", { level: "all" });
		await control.getByRole("radio", { name: "Off" }).check();
		await bruno.told("unsubscribe");
		expect(await control.getByRole("alert").count()).toBe(0);
		await bruno.page.close();
		// The room pushes only to devices with no socket in it: both are gone once it says they left.
		await ana.heard((l) => l.kind === "leave" && l.name === "Carla");
		await ana.heard((l) => l.kind === "leave" && l.name === "Bruno");

		// A message Bruno would hear of at All messages, then one for Carla: hers proves the room had pushed by then.
		await ana.say("news for everyone");
		await ana.say("@Carla and one for you");
		await expect
			.poll(() => pushService.received.get(carlaPush.path)?.length ?? 0, { message: "Carla's push for her mention" })
			.toBe(1);
		expect(pushService.received.get(brunoPush.path) ?? []).toEqual([]);
		expect([...carla.problems, ...bruno.problems]).toEqual([]);
		ana.close();
		await Promise.all([carla.context.close(), bruno.context.close()]);
	});
});
