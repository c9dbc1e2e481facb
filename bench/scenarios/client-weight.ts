/**
 * Client weight: the gzipped bytes of the built page (its HTML and the JS and
 * CSS it loads) and the time from navigation until "Start Chat" is visible in
 * Chromium, each load in a fresh browser context (a cold cache). The floor
 * serves a page that is a "Start Chat" button and nothing else.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../../test/e2e/browser.ts";
import { nowUs } from "../lib/clock.ts";
import { median } from "../lib/stats.ts";
import type { Target, TargetName } from "../targets.ts";
import { alternate, byTarget, type Context } from "./context.ts";

export const DIST = new URL("../../dist/client/", import.meta.url).pathname;

export interface PageWeight {
	/** Gzipped bytes by file, for the files index.html loads, and index.html itself. */
	files: Record<string, number>;
	htmlGzip: number;
	jsGzip: number;
	cssGzip: number;
	totalGzip: number;
	/** Every .js file under dist/client/assets, gzipped one by one (what the budget test checks). */
	allJsGzip: number;
}

export interface ClientResult {
	weight: PageWeight;
	rounds: { target: TargetName; round: number; visibleMs: number }[];
	summary: Partial<Record<TargetName, { visibleMs: number }>>;
}

/** zlib's default level, as a server compressing on the fly would use and as Vite reports. */
const gzipBytes = (bytes: Buffer) => gzipSync(bytes).byteLength;

export function pageWeight(): PageWeight {
	const html = readFileSync(join(DIST, "index.html"), "utf8");
	const files: Record<string, number> = { "index.html": gzipBytes(Buffer.from(html)) };
	let js = 0;
	let css = 0;
	// The page's own assets: module scripts, preloads and stylesheets with a local URL.
	for (const match of html.matchAll(/(?:src|href)="\/([^"]+\.(js|css))"/g)) {
		const [, path, ext] = match as unknown as [string, string, string];
		const size = gzipBytes(readFileSync(join(DIST, path)));
		files[path] = size;
		if (ext === "js") js += size;
		else css += size;
	}
	const assets = join(DIST, "assets");
	const allJsGzip = readdirSync(assets)
		.filter((f) => f.endsWith(".js"))
		.reduce((sum, f) => sum + gzipBytes(readFileSync(join(assets, f))), 0);
	const htmlGzip = files["index.html"] ?? 0;
	return { files, htmlGzip, jsGzip: js, cssGzip: css, totalGzip: htmlGzip + js + css, allJsGzip };
}

export async function clientWeight(ctx: Context): Promise<ClientResult> {
	const weight = pageWeight();
	ctx.log(
		`  page: ${weight.totalGzip} B gzipped (JS ${weight.jsGzip}, CSS ${weight.cssGzip}, HTML ${weight.htmlGzip})`,
	);
	const browser = await launchBrowser();
	try {
		// One unmeasured load each, so that neither is measured starting the browser's first renderer.
		for (const target of ctx.targets) await timeToStart(browser, target);
		const rounds = await alternate(ctx, ctx.options.client.rounds, async (target, round) => {
			const times: number[] = [];
			for (let i = 0; i < ctx.options.client.samples; i++) times.push(await timeToStart(browser, target));
			const visibleMs = median(times);
			ctx.log(`  round ${round + 1} ${target.name}: "Start Chat" visible after ${visibleMs.toFixed(0)} ms`);
			return { visibleMs };
		});
		const summary: ClientResult["summary"] = {};
		for (const target of ctx.targets) {
			summary[target.name] = { visibleMs: median(byTarget(rounds, target.name).map((r) => r.visibleMs)) };
		}
		return { weight, rounds, summary };
	} finally {
		await browser.close();
	}
}

/** Milliseconds from navigation start to "Start Chat" visible, in a fresh context. */
async function timeToStart(browser: Browser, target: Target): Promise<number> {
	const context = await browser.newContext();
	try {
		const page = await context.newPage();
		const t0 = nowUs();
		await page.goto(`${target.httpUrl}/`, { waitUntil: "commit" });
		await page.getByRole("button", { name: "Start Chat" }).waitFor({ state: "visible", timeout: 30_000 });
		return (nowUs() - t0) / 1000;
	} finally {
		await context.close();
	}
}
