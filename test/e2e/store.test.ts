/**
 * The client store's side effects, in Chromium against wrangler dev, with
 * the test on the page's wire (wire.ts): the resend after rate_limited, the
 * re-sync after a gap, a name refused on reconnect, and a page of older
 * history that comes back after a reconnect replaced the list.
 */
import type { Page, Route } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import type { ServerMessage } from "../../protocol";
import { joinAs, messageTexts, openPage, seeMessage, seeSystemLine, send } from "./chat-page";
import { type HalfOpenProxy, startHalfOpenProxy } from "./half-open-proxy";
import { harness, newRoom, sharedApp } from "./harness";
import { joinPeer } from "./peer";
import { controlWire } from "./wire";

// The `shipped` server: a connection's rate limits as shipped, and a short leave grace, so that a name is free for
// someone else soon after its owner dropped.
const { app, browser } = await sharedApp("shipped");
/** Between the page and the app: a network the test can cut, on a port whose origin the server allows. */
const network: HalfOpenProxy = await startHalfOpenProxy(app.port, harness().proxyPorts.store);
afterAll(() => network.close());

/** The room's page, reached through the network the test can cut. */
const roomUrl = (room: string) => `http://127.0.0.1:${network.port}/r/${room}`;

/** The seqs of the lines the page shows, in order. */
const shownSeqs = (page: Page) =>
	page
		.getByRole("log")
		.locator("[data-seq]")
		.evaluateAll((nodes) =>
			nodes.flatMap((n) => {
				// A folded run of join and leave lines shows the seqs from its first line (data-from) to its last.
				const { from, seq } = (n as HTMLElement).dataset;
				const last = Number(seq);
				const first = from === undefined ? last : Number(from);
				return Array.from({ length: last - first + 1 }, (_, i) => first + i);
			}),
		);

/** Fills a room with `count` lines, fast, from bystanders with addresses of their own (each within its burst). */
async function fill(room: string, count: number, prefix: string) {
	let said = 0;
	for (let k = 0; said < count; k++) {
		const peer = await joinPeer(app, room, `${prefix} filler ${k}`);
		for (let i = 0; i < 15 && said < count; i++) await peer.say(`${prefix} ${++said}`);
		peer.close();
	}
}

/** A new room: Ana's page, through the network the test can cut and with the test on its wire, and Bruno by socket. */
async function anaAndBruno(prefix: string) {
	const room = newRoom(prefix);
	const { page } = await openPage(browser, roomUrl(room));
	const wire = await controlWire(page);
	await joinAs(page, "Ana");
	return { room, page, wire, bruno: await joinPeer(app, room, "Bruno") };
}

describe("the client store", () => {
	it("sends again what the room refused as too fast, once it may, and each message arrives once", async () => {
		const { page, wire, bruno } = await anaAndBruno("store-rate");
		// Thirty messages typed, then let onto the wire at once: more than a connection's burst of 20.
		wire.holdSends();
		const texts = Array.from({ length: 30 }, (_, i) => `quick ${i + 1}`);
		for (const text of texts) await send(page, text, { pressEnter: true });
		wire.release();
		await page.locator("article.pending").first().waitFor({ state: "detached", timeout: 30_000 });
		await bruno.hear("quick 30");
		for (const text of texts) await bruno.hear(text);
		expect(wire.toPage.some((f) => f.type === "error" && f.code === "rate_limited")).toBe(true);
		expect(
			bruno
				.texts()
				.filter((t) => t.startsWith("quick "))
				.sort(),
		).toEqual([...texts].sort());
		expect((await messageTexts(page)).sort()).toEqual([...texts].sort());
	});

	it("asks for the lines it missed when one arrives past a gap, and shows them in order", async () => {
		const { page, wire, bruno } = await anaAndBruno("store-gap");
		await seeSystemLine(page, "Bruno joined");
		const lost = (f: ServerMessage) =>
			(f.type === "message" && f.message.text === "lost on the way") ||
			(f.type === "messages" && f.messages.some((m) => m.text === "lost on the way"));
		wire.dropNext(lost);
		await bruno.say("lost on the way");
		await bruno.say("came through");
		await seeMessage(page, "Bruno", "lost on the way");
		expect(await messageTexts(page)).toEqual(["lost on the way", "came through"]);
		expect(wire.toRoom.some((f) => f.startsWith('{"type":"sync"'))).toBe(true);
		const seqs = await shownSeqs(page);
		expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
	});

	it("keeps the history and sends nothing under the new name when its name is refused on reconnect", async () => {
		const { room, page, wire, bruno } = await anaAndBruno("store-name");
		await send(page, "hello from Ana");
		await bruno.hear("hello from Ana");
		// Her page has the room's word for it too: what was stored before the cut is not pending after it.
		await seeMessage(page, "Ana", "hello from Ana");

		// Ana's network goes; she types on; her grace period runs out and someone else takes her name.
		network.cut();
		await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
		await send(page, "written as Ana");
		await bruno.hear("Ana left the chat");
		const impostor = await joinPeer(app, room, "Ana");
		network.allow();

		const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
		await dialog.getByText("is taken").waitFor({ timeout: 30_000 });
		await dialog.getByLabel("Your name").fill("Ana Two");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();

		// She joined again from the seq she held: the room continued her history instead of replacing it.
		const welcomes = wire.toPage.filter((f) => f.type === "welcome");
		expect(welcomes.at(-1)).toMatchObject({ name: "Ana Two", reset: false });
		const joins = wire.toRoom.filter((f) => f.startsWith('{"type":"join"')).map((f) => JSON.parse(f));
		expect(joins.at(-1)).toMatchObject({ name: "Ana Two", since: expect.any(Number) });
		await page
			.locator("article.pending", { hasText: "written as Ana" })
			.locator(".state", { hasText: "Not sent: it was written as Ana" })
			.waitFor();
		await send(page, "now as Ana Two");
		await bruno.hear("now as Ana Two");
		// Her page has the room's word for it too: the line is shown, not pending.
		await seeMessage(page, "Ana Two", "now as Ana Two");
		expect(bruno.texts()).not.toContain("written as Ana");
		expect(impostor.texts()).not.toContain("written as Ana");
		expect(await messageTexts(page)).toEqual(["hello from Ana", "now as Ana Two"]);
	}, 90_000);

	it("shows a message the room stored as sent, when its ack was lost and its name is then refused on reconnect (#19)", async () => {
		const room = `store-stored-${Date.now()}`;
		const { page } = await openPage(browser, roomUrl(room));
		const wire = await controlWire(page);
		await joinAs(page, "Ana");
		const bruno = await joinPeer(app, room, "Bruno");
		await seeSystemLine(page, "Bruno joined");

		// The room stores Ana's message, but neither its ack nor its line reaches her page.
		const text = "stored, ack lost";
		wire.dropNext((f) => f.type === "ack");
		wire.dropNext(
			(f) =>
				(f.type === "message" && f.message.text === text) ||
				(f.type === "messages" && f.messages.some((m) => m.text === text)),
		);
		await send(page, text);
		await bruno.hear(text);
		await page.locator("article.pending", { hasText: text }).waitFor();

		// Her network goes before anything else arrives; her name is taken meanwhile.
		network.cut();
		await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
		await bruno.hear("Ana left the chat");
		const impostor = await joinPeer(app, room, "Ana");
		network.allow();
		const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
		await dialog.getByText("is taken").waitFor({ timeout: 30_000 });
		// The refusal said which of her pending ids the room has.
		const sent = JSON.parse(wire.toRoom.find((f) => f.includes(`"text":"${text}"`)) ?? "{}");
		const refusal = wire.toPage.find((f) => f.type === "error" && f.code === "name_taken");
		expect(refusal).toMatchObject({ stored: [{ id: sent.id, seq: expect.any(Number) }] });

		await dialog.getByLabel("Your name").fill("Ana Two");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
		// Shown as Ana's message, stored, and not as one that was never sent.
		await seeMessage(page, "Ana", text);
		expect(await page.locator("article.pending").count()).toBe(0);
		await send(page, "now as Ana Two");
		await bruno.hear("now as Ana Two");
		await seeMessage(page, "Ana Two", "now as Ana Two");
		expect(bruno.texts().filter((t) => t === text)).toHaveLength(1);
		await impostor.hear("now as Ana Two");
		expect(impostor.texts()).not.toContain(text);
		expect(await messageTexts(page)).toEqual([text, "now as Ana Two"]);
		expect(await page.getByText("Not sent").count()).toBe(0);
	}, 90_000);

	it("drops a page of older history that returns after a reconnect has replaced the list", async () => {
		const room = newRoom("store-older");
		await fill(room, 120, "early");
		const { page } = await openPage(browser, roomUrl(room));
		const wire = await controlWire(page);
		await joinAs(page, "Ana");
		await page.getByText("Scroll up for older messages").waitFor();
		const firstShown = (await shownSeqs(page))[0] ?? 0;

		// The page of older lines is asked for, and held on its way back.
		let held: Route | undefined;
		const asked = new Promise<void>((resolve) => {
			void page.route("**/api/rooms/*/messages?*", (route) => {
				held = route;
				resolve();
			});
		});
		await page.getByRole("log").evaluate((log) => {
			log.scrollTop = 0;
			log.dispatchEvent(new Event("scroll"));
		});
		await asked;

		// Meanwhile the connection drops, the room moves on, and Ana comes back without a usable seq: the list is replaced.
		network.cut();
		await page.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();
		await fill(room, 60, "later");
		wire.rewrite((frame) => (frame.startsWith('{"type":"join"') ? frame.replace(/,"since":\d+/, "") : frame));
		network.allow();
		await page.getByRole("status").filter({ hasText: "Connected" }).waitFor();
		await page.getByRole("log").locator("article.msg", { hasText: "later 60" }).waitFor();
		expect((await shownSeqs(page))[0]).toBeGreaterThan(firstShown);

		await held?.continue();
		await page.getByText("Loading older messages…").waitFor({ state: "detached" });
		const seqs = await shownSeqs(page);
		expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
	}, 90_000);
});
