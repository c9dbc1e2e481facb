/**
 * A new deploy's shell replaces the old one whole, in Chromium against
 * wrangler dev: the new service worker caches all of its build beside the
 * old one while a tab still runs the old, and waits: a tab opened meanwhile
 * gets the old page. Once no tab runs the old, the new one takes over and
 * the old cache is deleted. A page never mixes files of two deploys.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { backIn, joinAs } from "./chat-page";
import { ownApp, ownProfile } from "./harness";

const dist = new URL("../../dist/client/", import.meta.url).pathname;
// A server of its own, which the test redeploys, and a Chromium of its own, whose profile keeps the service worker.
const [app, profile] = await Promise.all([ownApp(), ownProfile()]);

const cacheNames = (page: Page) => page.evaluate(async () => (await caches.keys()).sort());

/** The next deploy: this build with one more file, so its sw.js lists another shell under another version. */
function nextDeploy(): { dir: string; version: string; added: string } {
	const dir = mkdtempSync(join(tmpdir(), "hashzap-deploy-"));
	cpSync(dist, dir, { recursive: true });
	const sw = readFileSync(join(dir, "sw.js"), "utf8");
	const line = /^const SHELL = (.*);$/m.exec(sw);
	if (!line?.[1]) throw new Error("sw.js does not begin with its SHELL");
	const shell = JSON.parse(line[1]) as { version: string; files: string[] };
	const added = "/assets/next-deploy.js";
	writeFileSync(join(dir, added), "export {};\n");
	// Its page says which deploy it is.
	const html = readFileSync(join(dir, "index.html"), "utf8");
	writeFileSync(join(dir, "index.html"), html.replace("<head>", '<head><meta name="hashzap-deploy" content="next" />'));
	const version = `${shell.version.slice(0, 8)}nextnext`;
	const next = { version, files: [...shell.files, added].sort() };
	writeFileSync(join(dir, "sw.js"), sw.replace(line[0], `const SHELL = ${JSON.stringify(next)};`));
	return { dir, version, added };
}

describe("a new deploy", () => {
	it("installs its whole shell beside the old, waits while a tab runs the old, then takes over and deletes the old cache", async () => {
		const url = `${app.url}/r/deploy-${Date.now()}`;
		const page = await profile.newPage();
		await page.goto(url);
		await joinAs(page, "Ana");
		await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
		// The page that installed the worker is not its client; from the next load on, the tab runs this shell.
		await page.reload();
		await backIn(page);
		expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
		const [old, ...others] = await cacheNames(page);
		expect(others).toEqual([]);
		expect(old).toMatch(/^hashzap-shell-/);

		const next = nextDeploy();
		await app.redeploy(next.dir);
		// The open tab looks for a new worker, as a browser does on a navigation or every day, and it installs.
		const state = await page.evaluate(async () => {
			const registration = await navigator.serviceWorker.ready;
			await registration.update();
			const worker = registration.installing ?? registration.waiting;
			if (!worker) return "none";
			await new Promise<void>((resolve) => {
				const settled = () => worker.state !== "installing" && resolve();
				worker.addEventListener("statechange", settled);
				settled();
			});
			return worker.state;
		});
		// Installed and waiting: both shells are whole, and while the old tab runs, a new one opens with the old shell.
		expect(state).toBe("installed");
		expect(await cacheNames(page)).toEqual([old, `hashzap-shell-${next.version}`].sort());
		expect(await page.evaluate((f) => caches.match(f).then(Boolean), next.added)).toBe(true);
		const second = await profile.newPage();
		await second.goto(url);
		await backIn(second);
		expect(await second.locator('meta[name="hashzap-deploy"]').count()).toBe(0);
		await second.close();

		// Once no tab runs the old shell, the new worker takes over, and its activation deletes the old cache. Watched
		// from a blank tab (no client of the app) through DevTools, so that no page of the app holds the old worker on.
		const watcher = await profile.newPage();
		const devtools = await profile.newCDPSession(watcher);
		const waiting = new Set<string>();
		const tookOver = new Promise<void>((resolve) => {
			devtools.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
				for (const v of versions) {
					if (v.status === "installed") waiting.add(v.versionId);
					if (v.status === "activated" && waiting.has(v.versionId)) resolve();
				}
			});
		});
		await devtools.send("ServiceWorker.enable");
		await page.close();
		await tookOver;
		const after = await profile.newPage();
		await after.goto(url);
		await backIn(after);
		expect(await after.locator('meta[name="hashzap-deploy"]').count()).toBe(1);
		expect(await cacheNames(after)).toEqual([`hashzap-shell-${next.version}`]);
		await after.close();
		await watcher.close();
	});
});
