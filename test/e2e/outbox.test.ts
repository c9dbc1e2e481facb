/**
 * The durable outbox, in Chromium against wrangler dev: a message typed, or
 * an edit, a delete or a reaction made, while the room is unreachable
 * survives the browser's closing (a persistent profile, closed and launched
 * again), shows as pending when the room is opened again, and is delivered
 * once, even with two tabs of the room both sending it. A message that can
 * never be sent is shown as not sent and leaves the outbox.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { type ChatMessage, isChange, LIMITS } from "../../protocol";
import { launchProfile } from "./browser";
import { backIn, joinAs, messageTexts, send } from "./chat-page";
import { newProfileDir, ownApp, sharedBrowser } from "./harness";
import { joinPeer } from "./peer";
import { controlWire } from "./wire";

// A server of its own, which the first test stops. That test restarts the browser too, so it launches its own.
const [app, browser] = await Promise.all([ownApp(), sharedBrowser()]);

const outboxOf = (page: Page, room: string) =>
	page.evaluate((key) => localStorage.getItem(key), `hashzap:outbox:${room}`);
const changesOf = (page: Page, room: string) =>
	page.evaluate((key) => localStorage.getItem(key), `hashzap:changes:${room}`);

const CHANGES = ["edit", "delete", "react"];

/** A person's message in the history, found by its text (as it shows, a pending edit's included). */
const messageOf = (page: Page, text: string) =>
	page.getByRole("log").locator("article.msg:not(.pending)", { has: page.locator(".text", { hasText: text }) });

/** Shows a message's actions as a mouse user would, by hovering it. */
async function actionsOf(page: Page, text: string) {
	const message = messageOf(page, text);
	await message.hover();
	return message.locator(".actions");
}

/** The three changes shown as on their way: the edit's new text, the delete, the reaction. */
async function seePending(page: Page) {
	await messageOf(page, "fixed").locator(".state", { hasText: "Saving…" }).waitFor();
	await messageOf(page, "to delete").locator(".state", { hasText: "Deleting…" }).waitFor();
	await messageOf(page, "to like").locator(".state", { hasText: "Sending 👍…" }).waitFor();
}

describe("the outbox", () => {
	it("keeps a message typed offline through a browser restart, shows it pending in the room, and delivers it once from two tabs", async () => {
		const room = `outbox-${Date.now()}`;
		const profile = newProfileDir();
		let chromium = await launchProfile(profile);
		const page = await chromium.newPage();
		await page.goto(`${app.url}/r/${room}`);
		await joinAs(page, "Ana");
		const bruno = await joinPeer(app, room, "Bruno");
		await send(page, "before");
		await bruno.hear("before");

		await app.stop();
		await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
		await send(page, "typed while offline");
		await page.locator("article.pending", { hasText: "typed while offline" }).waitFor();
		// The browser goes, and its tab with it.
		await chromium.close();

		await app.start();
		chromium = await launchProfile(profile);
		const tabs = [await chromium.newPage(), await chromium.newPage()];
		const wires = await Promise.all(tabs.map((tab) => controlWire(tab)));
		for (const [i, tab] of tabs.entries()) {
			wires[i]?.holdSends();
			await tab.goto(`${app.url}/r/${room}`);
			// This browser has been in the room as Ana: it goes straight back in.
			await backIn(tab);
			const pending = tab.locator("article.pending", { hasText: "typed while offline" });
			await pending.waitFor();
			expect(await pending.locator(".state").textContent()).toBe("Sending…");
		}
		const back = await joinPeer(app, room, "Bruno again");
		for (const wire of wires) wire.release();
		for (const tab of tabs) await tab.locator("article.pending").waitFor({ state: "detached" });

		// Both tabs sent it, with the one id it was given when typed; the room stored it once.
		const sends = wires.map((w) => w.toRoom.filter((f) => f.includes('"text":"typed while offline"')));
		expect(sends.map((s) => s.length)).toEqual([1, 1]);
		expect(JSON.parse(sends[0]?.[0] ?? "{}").id).toBe(JSON.parse(sends[1]?.[0] ?? "").id);
		await send(tabs[0] as Page, "after");
		await back.hear("after");
		expect(back.texts().filter((t) => t === "typed while offline")).toHaveLength(1);
		for (const tab of tabs) {
			await tab.getByRole("log").locator("article.msg:not(.pending)", { hasText: "after" }).waitFor();
			expect(await messageTexts(tab)).toEqual(["before", "typed while offline", "after"]);
			expect(await outboxOf(tab, room)).toBeNull();
		}
		const carla = await joinPeer(app, room, "Carla");
		const welcome = carla.received.find((m) => m.type === "welcome");
		const texts = welcome?.type === "welcome" ? welcome.messages.map((m) => m.text) : [];
		expect(texts.filter((t) => t === "typed while offline")).toHaveLength(1);
		await chromium.close();
	}, 120_000);

	it("keeps an edit, a delete and a reaction made offline through a browser restart, shows them pending, and applies each once from two tabs", async () => {
		const room = `outbox-changes-${Date.now()}`;
		const profile = newProfileDir();
		let chromium = await launchProfile(profile);
		const page = await chromium.newPage();
		await page.goto(`${app.url}/r/${room}`);
		await joinAs(page, "Ana");
		const bruno = await joinPeer(app, room, "Bruno");
		await send(page, "to fix");
		await send(page, "to delete");
		await bruno.say("to like");
		for (const text of ["to fix", "to delete", "to like"]) await messageOf(page, text).waitFor();

		await app.stop();
		await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
		// An edit, from the message's Edit button.
		await (await actionsOf(page, "to fix")).getByRole("button", { name: "Edit", exact: true }).click();
		const field = page.getByLabel("Message", { exact: true });
		await expect.poll(() => field.inputValue()).toBe("to fix");
		await field.fill("fixed");
		await field.press("Enter");
		// A delete, asked first.
		await (await actionsOf(page, "to delete")).getByRole("button", { name: "Delete", exact: true }).click();
		await page.getByRole("dialog", { name: "Delete this message?" }).getByRole("button", { name: "Delete" }).click();
		// A reaction, from the picker.
		await (await actionsOf(page, "to like")).getByRole("button", { name: "React", exact: true }).click();
		await page.getByRole("dialog", { name: "Reactions" }).getByRole("button", { name: "👍", exact: true }).click();
		await seePending(page);
		// The browser goes, and its tab with it.
		await chromium.close();

		await app.start();
		chromium = await launchProfile(profile);
		const tabs = [await chromium.newPage(), await chromium.newPage()];
		const wires = await Promise.all(tabs.map((tab) => controlWire(tab)));
		for (const [i, tab] of tabs.entries()) {
			wires[i]?.holdSends(CHANGES);
			await tab.goto(`${app.url}/r/${room}`);
			await backIn(tab);
			await seePending(tab);
			// In the room, each tab sends all three (held here), before either is stored.
			await tab.getByRole("status").filter({ hasText: "Connected" }).waitFor();
			await expect.poll(() => wires[i]?.held()).toBe(CHANGES.length);
		}
		for (const wire of wires) wire.release();
		for (const tab of tabs) {
			await tab.locator("article.changing").first().waitFor({ state: "detached" });
			await messageOf(tab, "fixed").locator(".edited", { hasText: "(edited)" }).waitFor();
			await tab.getByRole("log").locator(".text.deleted", { hasText: "This message was deleted" }).waitFor();
			await messageOf(tab, "to like").getByRole("button", { name: "👍 1: Ana" }).waitFor();
			expect(await changesOf(tab, room)).toBeNull();
		}

		// Both tabs sent each change, with the one id it was given when made; the room applied it once.
		for (const type of CHANGES) {
			const sent = wires.map((w) =>
				w.toRoom.filter((f) => f.startsWith(`{"type":"${type}"`)).map((f) => JSON.parse(f).id),
			);
			expect(
				sent.map((ids) => ids.length),
				type,
			).toEqual([1, 1]);
			expect(sent[0]?.[0], type).toBe(sent[1]?.[0]);
			const acks = wires.map((w) => w.toPage.find((f) => f.type === "ack" && f.id === sent[0]?.[0]));
			expect(acks[0], type).toBeDefined();
			expect(acks[0], type).toEqual(acks[1]);
		}
		// Opened after a restart, before any welcome, each tab named its pending ids to the room it remembered as version 8.
		const changeIds = CHANGES.map(
			(type) => JSON.parse(wires[0]?.toRoom.find((f) => f.includes(`"type":"${type}"`)) ?? "{}").id,
		);
		for (const wire of wires) {
			const join = JSON.parse(wire.toRoom.find((f) => f.startsWith('{"type":"join"')) ?? "{}");
			expect(join.pending).toEqual(changeIds);
		}
		const carla = await joinPeer(app, room, "Carla");
		const welcome = carla.received.find((m) => m.type === "welcome");
		const shown = welcome?.type === "welcome" ? welcome.messages.filter((l): l is ChatMessage => !isChange(l)) : [];
		expect(shown.filter((m) => m.kind === "chat").map((m) => [m.text, m.edited, m.deleted, m.reactions])).toEqual([
			["fixed", true, undefined, undefined],
			["", undefined, "sender", undefined],
			["to like", undefined, undefined, [{ emoji: "👍", names: ["Ana"] }]],
		]);
		await chromium.close();
	}, 120_000);

	it("shows a message that can never be sent as not sent, sends nothing under another name, and forgets both", async () => {
		const room = `outbox-refused-${Date.now()}`;
		const context = await browser.newContext();
		const page = await context.newPage();
		await page.goto(`${app.url}/r/${room}`);
		// What an older page could have left: one message too long for the room, one written under another name.
		const tooLong = "x".repeat(LIMITS.messageMax + 1);
		await page.evaluate(({ key, value }) => localStorage.setItem(key, value), {
			key: `hashzap:outbox:${room}`,
			value: JSON.stringify([
				{ id: "too-long-1", text: tooLong, as: "Dora" },
				{ id: "elsewhere-1", text: "written as Eve", as: "Eve" },
			]),
		});
		const bruno = await joinPeer(app, room, "Bruno");
		await page.reload();
		await joinAs(page, "Dora");
		await page
			.locator("article.pending", { hasText: "written as Eve" })
			.locator(".state", { hasText: "Not sent: it was written as Eve" })
			.waitFor();
		await page
			.locator("article.pending .state", {
				hasText: `Not sent: A message can be at most ${LIMITS.messageMax} characters`,
			})
			.waitFor();
		expect(await outboxOf(page, room)).toBeNull();
		await send(page, "marker");
		await bruno.hear("marker");
		expect(bruno.texts()).not.toContain("written as Eve");

		await page.reload();
		await backIn(page);
		await page.getByRole("log").locator("article.msg", { hasText: "marker" }).waitFor();
		expect(await page.locator("article.pending").count()).toBe(0);
		await context.close();
	}, 60_000);
});
