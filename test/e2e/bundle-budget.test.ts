/**
 * The client's JavaScript budgets (issue #12): the first screen (the landing
 * page and the name dialog, what index.html loads) at most 15 KB gzipped; the
 * chat a chunk of its own, fetched when the dialog opens; the whole app at
 * most 40 KB. Deterministic, unlike the timings in bench/, so it is a test.
 * It reads the build `npm test` makes (dist/client) and gzips each file as a
 * server would.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { expect, test } from "vitest";

const FIRST_SCREEN = 15 * 1024;
const WHOLE_APP = 40 * 1024;
const dist = new URL("../../dist/client/", import.meta.url).pathname;
const gzip = (path: string) => gzipSync(readFileSync(join(dist, path))).byteLength;

function build() {
	expect(existsSync(join(dist, "assets")), "dist/client is missing: run `npx vite build` (npm test does)").toBe(true);
	const html = readFileSync(join(dist, "index.html"), "utf8");
	const loaded = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
	const all = readdirSync(join(dist, "assets"))
		.filter((f) => f.endsWith(".js"))
		.map((f) => `assets/${f}`);
	return { loaded, all };
}

test("the first screen loads at most 15 KB of gzipped JavaScript", () => {
	const { loaded } = build();
	expect(loaded.length, "index.html loads no JavaScript").toBeGreaterThan(0);
	const sizes = loaded.map((f) => `${f}: ${gzip(f)} B`).join(", ");
	const total = loaded.reduce((sum, f) => sum + gzip(f), 0);
	expect(
		total,
		`the first screen loads ${total} B gzipped (${sizes}); the budget is ${FIRST_SCREEN} B`,
	).toBeLessThanOrEqual(FIRST_SCREEN);
});

test("the chat is a chunk of its own that the first screen does not load, and the whole app is at most 40 KB", () => {
	const { loaded, all } = build();
	const chat = all.filter((f) => !loaded.includes(f) && readFileSync(join(dist, f), "utf8").includes("Chat history"));
	expect(chat, "no chunk of its own holds the chat's screen").toHaveLength(1);
	const total = all.reduce((sum, f) => sum + gzip(f), 0);
	expect(total, `the app is ${total} B gzipped; the budget is ${WHOLE_APP} B`).toBeLessThanOrEqual(WHOLE_APP);
});
