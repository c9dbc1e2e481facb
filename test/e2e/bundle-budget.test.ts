/**
 * The client's JavaScript budget: under 15 KB gzipped, all of it (issue 6).
 * Deterministic, unlike the timings in bench/, so it is a test. It reads the
 * build `npm test` makes (dist/client) and gzips each file as a server would.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { expect, test } from "vitest";

const BUDGET = 15 * 1024;
const assets = new URL("../../dist/client/assets/", import.meta.url).pathname;

test("the client's JavaScript is under 15 KB gzipped", () => {
	expect(existsSync(assets), "dist/client is missing: run `npx vite build` (npm test does)").toBe(true);
	const files = readdirSync(assets).filter((f) => f.endsWith(".js"));
	expect(files.length, "no JavaScript in dist/client/assets").toBeGreaterThan(0);
	const sizes = files.map((f) => ({ file: f, gzip: gzipSync(readFileSync(join(assets, f))).byteLength }));
	const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
	const detail = sizes.map((s) => `${s.file}: ${s.gzip} B`).join(", ");
	expect(total, `client JS is ${total} B gzipped (${detail}); the budget is ${BUDGET} B`).toBeLessThan(BUDGET);
});
