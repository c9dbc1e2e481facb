/**
 * The client's JavaScript budgets (issue 12). The first screen, the landing
 * page and the name dialog, loads at most 15 KB gzipped; the chat is a chunk
 * of its own, fetched while the dialog is open (or at once on a link into a
 * room); the whole app stays at or under 40 KB. The bytes are deterministic,
 * unlike the timings in bench/, so they are tests: read from the build
 * `npm test` makes (dist/client), each file gzipped as a server would. When
 * the chunk is fetched is checked in Chromium.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { newRoom, sharedApp } from "./harness";

const FIRST_SCREEN_BUDGET = 15 * 1024;
const TOTAL_BUDGET = 40 * 1024;
const dist = new URL("../../dist/client/", import.meta.url).pathname;
const assets = join(dist, "assets");
/** Text only the chat's screen has: the label of its history. */
const CHAT_MARK = "Chat history";
/** Text only the chat's session has: the room's socket URL (client/net/room-client.ts). */
const SESSION_MARK = "websocket?v=";

// The lobby of the `raised` server is this file's (harness.ts): its people are the only ones there.
const { app, browser } = await sharedApp("raised");

const gzip = (file: string) => gzipSync(readFileSync(join(assets, file))).byteLength;
const text = (file: string) => readFileSync(join(assets, file), "utf8");
const sum = (files: string[]) => files.reduce((total, f) => total + gzip(f), 0);
const detail = (files: string[]) => files.map((f) => `${f}: ${gzip(f)} B`).join(", ");

/** The scripts index.html loads, and what they import statically, all the way down: the first screen's JS. */
function firstScreen(): string[] {
	const html = readFileSync(join(dist, "index.html"), "utf8");
	const queue = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1] as string);
	const seen = new Set<string>();
	while (queue.length > 0) {
		const file = queue.pop() as string;
		if (seen.has(file)) continue;
		seen.add(file);
		// Static imports and re-exports only: `import("./x.js")` is what loads later.
		for (const m of text(file).matchAll(/(?:\bfrom\s*|\bimport\s*)["']\.\/([^"']+\.js)["']/g))
			queue.push(m[1] as string);
	}
	return [...seen];
}

function allScripts(): string[] {
	return readdirSync(assets).filter((f) => f.endsWith(".js"));
}

describe("what the client's JavaScript costs", () => {
	it("has a build to measure", () => {
		expect(existsSync(join(dist, "index.html")), "dist/client is missing: run `npx vite build` (npm test does)").toBe(
			true,
		);
		expect(firstScreen().length, "index.html loads no script").toBeGreaterThan(0);
	});

	it("loads at most 15 KB of gzipped JavaScript for the first screen, the landing page and the name dialog", () => {
		const files = firstScreen();
		const total = sum(files);
		expect(
			total,
			`the first screen is ${total} B gzipped (${detail(files)}); the budget is ${FIRST_SCREEN_BUDGET} B`,
		).toBeLessThanOrEqual(FIRST_SCREEN_BUDGET);
	});

	it("keeps the chat, its screen and its session, in a chunk of its own, which the first screen does not load", () => {
		const first = firstScreen();
		for (const [mark, what] of [
			[CHAT_MARK, "screen"],
			[SESSION_MARK, "socket"],
		]) {
			const found = first.filter((f) => text(f).includes(mark as string));
			expect(found, `the chat's ${what} is in the first screen`).toEqual([]);
		}
		const later = allScripts().filter((f) => !first.includes(f));
		expect(later.filter((f) => text(f).includes(CHAT_MARK)).length, "no chunk holds the chat").toBe(1);
	});

	it("stays at or under 40 KB of gzipped JavaScript for the whole app", () => {
		const files = allScripts();
		const total = sum(files);
		expect(
			total,
			`the app is ${total} B gzipped (${detail(files)}); the budget is ${TOTAL_BUDGET} B`,
		).toBeLessThanOrEqual(TOTAL_BUDGET);
	});
});

describe("when the chat's chunk is fetched", () => {
	const chatChunk = () => {
		const first = firstScreen();
		const chunk = allScripts().find((f) => !first.includes(f) && text(f).includes(CHAT_MARK));
		if (!chunk) throw new Error("no chat chunk in dist/client");
		return `/assets/${chunk}`;
	};

	/** The chat chunk's path, and a page in a browser context of its own: a first visit. */
	const newVisitor = async () => {
		const context = await browser.newContext();
		return { chunk: chatChunk(), context, page: await context.newPage() };
	};

	it("is not fetched by the landing page, is fetched while the name dialog is open, and the chat then works", async () => {
		const { chunk, context, page } = await newVisitor();
		const scripts: string[] = [];
		page.on("request", (r) => {
			if (r.url().endsWith(".js")) scripts.push(new URL(r.url()).pathname);
		});
		await page.goto(app.url, { waitUntil: "networkidle" });
		await page.getByRole("button", { name: "Start Chat" }).waitFor();
		expect(scripts).not.toContain(chunk);

		const fetched = page.waitForRequest((r) => new URL(r.url()).pathname === chunk);
		await page.getByRole("button", { name: "Start Chat" }).click();
		await page.getByRole("dialog", { name: "Welcome to Hashzap" }).waitFor();
		await fetched;
		await page.getByLabel("Your name").fill("Ana");
		await page.getByRole("button", { name: "Enter Chat" }).click();
		await page.getByRole("log").locator(".system", { hasText: "Ana joined" }).waitFor();
		await context.close();
	});

	it("says so in the dialog when it cannot be fetched, and is fetched again on the next try", async () => {
		const { chunk, context, page } = await newVisitor();
		const blocked = (url: URL) => url.pathname === chunk;
		await context.route(blocked, (route) => route.abort("internetdisconnected"));
		await page.goto(app.url);
		await page.getByRole("button", { name: "Start Chat" }).click();
		const dialog = page.getByRole("dialog", { name: "Welcome to Hashzap" });
		await dialog.getByLabel("Your name").fill("Bea");
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await dialog.getByRole("alert").filter({ hasText: "The chat could not be loaded" }).waitFor();

		await context.unroute(blocked);
		await dialog.getByRole("button", { name: "Enter Chat" }).click();
		await page.getByRole("log").locator(".system", { hasText: "Bea joined" }).waitFor();
		await context.close();
	});

	it("is fetched at once on a link straight into a room", async () => {
		const { chunk, context, page } = await newVisitor();
		const fetched = page.waitForRequest((r) => new URL(r.url()).pathname === chunk);
		await page.goto(`${app.url}/r/${newRoom("budget")}`);
		await fetched;
		// Not because a dialog opened: once the chunk has run (the page's own import of it resolves when it has)
		// the room's first screen still offers Start Chat, with no dialog.
		await page.evaluate(`import(${JSON.stringify(chunk)}).then(() => true)`);
		await page.getByRole("button", { name: "Start Chat" }).waitFor();
		expect(await page.getByRole("dialog").isVisible()).toBe(false);
		await context.close();
	});
});
