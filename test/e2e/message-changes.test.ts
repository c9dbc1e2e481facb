/**
 * Edits, deletes, replies and reactions in Chromium, as two people use them:
 * each seen live by the other, by mouse and by keyboard, across a
 * disconnection, and with a reply's original far back in the history.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page, WebSocketRoute } from "playwright-core";
import { describe, expect, it } from "vitest";
import { joinAs, joinedPage, openPage, seeMessage, send } from "./chat-page";
import { newRoom, sharedApp } from "./harness";
import { joinPeer } from "./peer";

const { app, browser } = await sharedApp("raised");

/** A person's message in the history, found by its text. */
function messageOf(page: Page, text: string): Locator {
	return page.getByRole("log").locator("article.msg:not(.pending)", { has: page.locator(".text", { hasText: text }) });
}

/** Shows a message's actions as a mouse user would, by hovering it. */
async function actionsOf(page: Page, text: string): Promise<Locator> {
	const message = messageOf(page, text);
	await message.hover();
	return message.locator(".actions");
}

async function axeViolations(page: Page) {
	const { violations } = await new AxeBuilder({ page }).analyze();
	return violations
		.filter((v) => v.impact === "serious" || v.impact === "critical")
		.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/**
 * Lets a test cut a page's connection to the room, as a dropped network
 * would (Chromium's offline mode leaves open WebSockets alone): `cut` closes
 * its socket and refuses the page's reconnects until `restore`.
 */
async function cuttable(page: Page) {
	let down = false;
	const open: WebSocketRoute[] = [];
	await page.routeWebSocket(/\/websocket/, (ws) => {
		if (down) return ws.close({ code: 4000, reason: "offline" });
		ws.connectToServer();
		open.push(ws);
	});
	return {
		cut: async () => {
			down = true;
			for (const ws of open.splice(0)) await ws.close({ code: 4000, reason: "offline" });
		},
		restore: () => {
			down = false;
		},
	};
}

/** Ana and Bruno, each on a page of their own, in a new room. */
async function anaAndBruno() {
	const room = newRoom("changes");
	const url = `${app.url}/r/${room}`;
	return { room, ana: await joinedPage(browser, url, "Ana"), bruno: await joinedPage(browser, url, "Bruno") };
}

describe("changes two people see live", () => {
	it("shows an edit, a reply, a reaction and a delete to the other person as they happen", async () => {
		const { ana, bruno } = await anaAndBruno();
		await send(ana.page, "helo everyone");
		await seeMessage(bruno.page, "Ana", "helo everyone");

		// Edit: from the message's Edit button, in the composer.
		await (await actionsOf(ana.page, "helo everyone")).getByRole("button", { name: "Edit", exact: true }).click();
		const field = ana.page.getByLabel("Message", { exact: true });
		await expect.poll(() => field.inputValue()).toBe("helo everyone");
		await field.fill("hello everyone");
		await field.press("Enter");
		const edited = messageOf(bruno.page, "hello everyone");
		await edited.locator(".edited", { hasText: "(edited)" }).waitFor();
		await bruno.page.locator("[aria-live]", { hasText: "Ana edited a message" }).waitFor();
		// Others' messages offer no Edit or Delete.
		const brunoSees = await actionsOf(bruno.page, "hello everyone");
		expect(await brunoSees.getByRole("button").allTextContents()).toEqual(["Reply", "React"]);

		// Reply: the quote shows the original's sender and text.
		await brunoSees.getByRole("button", { name: "Reply", exact: true }).click();
		await bruno.page.locator(".composing", { hasText: "Replying to Ana: hello everyone" }).waitFor();
		await send(bruno.page, "hi Ana!", { pressEnter: true });
		const reply = messageOf(ana.page, "hi Ana!");
		await reply.locator(".quote", { hasText: "Ana hello everyone" }).waitFor();

		// Reaction: the emoji, a count, and who, for both.
		await (await actionsOf(bruno.page, "hello everyone")).getByRole("button", { name: "React", exact: true }).click();
		await bruno.page
			.getByRole("dialog", { name: "Reactions" })
			.getByRole("button", { name: "🎉", exact: true })
			.click();
		const onAna = messageOf(ana.page, "hello everyone").getByRole("button", { name: "🎉 1: Bruno" });
		await onAna.waitFor();
		expect(await onAna.getAttribute("aria-pressed")).toBe("false");
		expect(await onAna.getAttribute("title")).toBe("🎉 1: Bruno");
		const onBruno = messageOf(bruno.page, "hello everyone").getByRole("button", { name: "🎉 1: Bruno" });
		expect(await onBruno.getAttribute("aria-pressed")).toBe("true");

		// Delete: asked first; then everyone sees the line deleted and the reply's quote unavailable.
		await (await actionsOf(ana.page, "hello everyone")).getByRole("button", { name: "Delete", exact: true }).click();
		const confirm = ana.page.getByRole("dialog", { name: "Delete this message?" });
		await confirm.getByRole("button", { name: "Delete" }).click();
		for (const p of [ana.page, bruno.page]) {
			await p.getByRole("log").locator(".text.deleted", { hasText: "This message was deleted" }).waitFor();
			await messageOf(p, "hi Ana!")
				.locator(".quote.unavailable", { hasText: "Original message unavailable" })
				.waitFor();
			expect(await p.getByRole("log").getByText("hello everyone").count()).toBe(0);
		}
		await bruno.page.locator("[aria-live]", { hasText: "Ana deleted a message" }).waitFor();
		for (const p of [ana, bruno]) expect(p.problems).toEqual([]);
	});

	it("edits your last message with Up in an empty composer: Escape cancels, Enter saves", async () => {
		const { ana, bruno } = await anaAndBruno();
		await send(ana.page, "first");
		await send(ana.page, "secnod");
		await send(bruno.page, "Bruno's, not Ana's");
		await seeMessage(ana.page, "Bruno", "Bruno's, not Ana's");
		const field = ana.page.getByLabel("Message", { exact: true });
		await field.press("ArrowUp");
		await expect.poll(() => field.inputValue()).toBe("secnod");
		await field.press("Escape");
		await expect.poll(() => field.inputValue()).toBe("");
		await field.press("ArrowUp");
		await expect.poll(() => field.inputValue()).toBe("secnod");
		await field.fill("second");
		await field.press("Enter");
		await messageOf(bruno.page, "second").locator(".edited").waitFor();
		expect(await messageOf(bruno.page, "first").locator(".edited").count()).toBe(0);
		await expect.poll(() => field.inputValue()).toBe("");
	});
});

describe("reactions", () => {
	it("toggles a reaction on and off, by keyboard, with focus in the popup and back on Escape", async () => {
		const { ana, bruno } = await anaAndBruno();
		await send(bruno.page, "Who wants pizza?");
		await seeMessage(ana.page, "Bruno", "Who wants pizza?");
		const page = ana.page;

		// Keyboard: into the history, Up to the last message, Tab to its actions.
		await page.getByRole("log").focus();
		await page.keyboard.press("ArrowUp");
		const message = messageOf(page, "Who wants pizza?");
		await expect.poll(() => message.evaluate((el) => el === document.activeElement)).toBe(true);
		const react = message.getByRole("button", { name: "React", exact: true });
		await react.focus();
		await page.keyboard.press("Enter");
		const picker = page.getByRole("dialog", { name: "Reactions" });
		await picker.waitFor();
		expect(await picker.getByRole("button").allTextContents()).toEqual(["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"]);
		await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("👍");
		expect(await axeViolations(page)).toEqual([]);
		await page.keyboard.press("Escape");
		await picker.waitFor({ state: "detached" });
		await expect.poll(() => react.evaluate((el) => el === document.activeElement)).toBe(true);

		await page.keyboard.press("Enter");
		// The popup takes focus once it is drawn: a key pressed before that would go to the React button.
		await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("👍");
		await page.keyboard.press("ArrowRight");
		await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("❤️");
		await page.keyboard.press("Enter");
		const mine = message.getByRole("button", { name: "❤️ 1: Ana" });
		await mine.waitFor();
		expect(await mine.getAttribute("aria-pressed")).toBe("true");
		await messageOf(bruno.page, "Who wants pizza?").getByRole("button", { name: "❤️ 1: Ana" }).waitFor();

		// Off again: the button goes, for both.
		await mine.click();
		for (const p of [page, bruno.page]) {
			await messageOf(p, "Who wants pizza?").locator(".reaction").waitFor({ state: "detached" });
		}
		expect(await axeViolations(page)).toEqual([]);
	});
});

describe("replies far back", () => {
	it("jumps to a reply's original 300 lines back, loading the history around it", async () => {
		const room = newRoom("changes");
		const filler = await joinPeer(app, room, "Filler");
		const original = await filler.say("the original question");
		await filler.change({ type: "react", seq: original, emoji: "👀", on: true });
		await Promise.all(Array.from({ length: 300 }, (_, i) => filler.say(`filler ${i + 1}`)));
		await filler.say("the answer, much later", { replyTo: original });
		filler.close();

		const carla = await joinedPage(browser, `${app.url}/r/${room}`, "Carla");
		const reply = messageOf(carla.page, "the answer, much later");
		await reply.waitFor();
		expect(await messageOf(carla.page, "the original question").count()).toBe(0);
		await reply.locator(".quote", { hasText: "the original question" }).click();
		const found = messageOf(carla.page, "the original question");
		await found.waitFor();
		await expect.poll(() => found.evaluate((el) => el === document.activeElement)).toBe(true);
		expect(await found.isVisible()).toBe(true);
		expect(await found.evaluate((el) => el.classList.contains("active"))).toBe(true);
		// The page around it comes as this page's protocol version reads it: with the reaction on it.
		await found.getByRole("button", { name: "👀 1: Filler" }).waitFor();
		// Between the page around it and the newest page, the rest can be loaded.
		await carla.page.getByRole("button", { name: "Load the messages in between" }).click();
		await messageOf(carla.page, "filler 200").waitFor({ state: "attached" });
		expect(carla.problems).toEqual([]);
	});
});

describe("offline", () => {
	it("shows someone who was offline an edit and a delete made meanwhile, once they are back", async () => {
		const room = newRoom("changes");
		const ana = await openPage(browser, `${app.url}/r/${room}`);
		const bruno = await openPage(browser, `${app.url}/r/${room}`);
		const network = await cuttable(bruno.page);
		await joinAs(ana.page, "Ana");
		await joinAs(bruno.page, "Bruno");
		await send(ana.page, "meet at 5");
		await send(ana.page, "wrong room, sorry");
		await seeMessage(bruno.page, "Ana", "wrong room, sorry");

		await network.cut();
		await bruno.page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
		await (await actionsOf(ana.page, "meet at 5")).getByRole("button", { name: "Edit", exact: true }).click();
		const field = ana.page.getByLabel("Message", { exact: true });
		await expect.poll(() => field.inputValue()).toBe("meet at 5");
		await field.fill("meet at 6");
		await field.press("Enter");
		await messageOf(ana.page, "meet at 6").waitFor();
		await (await actionsOf(ana.page, "wrong room, sorry")).getByRole("button", { name: "Delete", exact: true }).click();
		await ana.page
			.getByRole("dialog", { name: "Delete this message?" })
			.getByRole("button", { name: "Delete" })
			.click();
		await ana.page.locator(".text.deleted").waitFor();

		network.restore();
		await bruno.page.getByRole("status").filter({ hasText: "Connected" }).waitFor({ timeout: 30_000 });
		await messageOf(bruno.page, "meet at 6").locator(".edited").waitFor();
		await bruno.page.locator(".text.deleted", { hasText: "This message was deleted" }).waitFor();
		expect(await bruno.page.getByRole("log").getByText("wrong room, sorry").count()).toBe(0);
		expect(await bruno.page.getByRole("log").getByText("meet at 5").count()).toBe(0);
	});
});
