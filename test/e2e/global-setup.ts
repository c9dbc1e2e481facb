/**
 * The browser project's one harness (vitest.config.ts, globalSetup): before
 * any file runs it starts one `wrangler dev` for each configuration
 * (configurations.ts) and one Chromium, and gives the files where to reach
 * them (`inject("harness")`, harness.ts); after the last file it stops them,
 * whether the files passed or not. Files keep apart by rooms of their own and
 * browser contexts of their own; only a file that stops or restarts its
 * server, or restarts the browser, starts its own.
 */
import type { TestProject } from "vitest/node";
import { freePort, startApp } from "./app-server";
import { launchBrowserServer } from "./browser";
import { CONFIGURATIONS } from "./configurations";
import type { Harness } from "./harness";
import { makeCertificates } from "./push-server";

export default async function setup(project: TestProject) {
	// Ports known before the server starts, for what the `shipped` server must know of: the origins of the
	// proxies a test puts between a page and the app (store, heartbeat), and the push services files run (web-push,
	// moderation-tools), each on a port of its own: two files may run at once.
	const [heartbeatProxy = 0, storeProxy = 0, webPush = 0, moderationTools = 0] = await distinctFreePorts(4);
	const push = makeCertificates();
	const origins = [heartbeatProxy, storeProxy].map((port) => `http://127.0.0.1:${port}`).join(",");
	const pushHosts = [webPush, moderationTools].map((port) => `127.0.0.1:${port}`).join(",");
	const servers = Promise.allSettled([
		startApp(
			{ ...CONFIGURATIONS.shipped, ALLOWED_ORIGINS: origins, PUSH_HOSTS: pushHosts },
			{ NODE_EXTRA_CA_CERTS: push.ca },
		),
		startApp(CONFIGURATIONS.raised),
	]);
	const [browser] = await Promise.allSettled([launchBrowserServer()]);
	const [shipped, raised] = await servers;
	const stop = async () => {
		await Promise.allSettled([
			...[shipped, raised].map((s) => (s?.status === "fulfilled" ? s.value.stop() : undefined)),
			browser?.status === "fulfilled" ? browser.value.close() : undefined,
		]);
	};
	if (shipped?.status !== "fulfilled" || raised?.status !== "fulfilled" || browser?.status !== "fulfilled") {
		// Whatever did start is stopped before the run fails: nothing is left behind.
		await stop();
		const failed = [shipped, raised, browser].find((s) => s?.status === "rejected");
		throw failed?.status === "rejected" ? failed.reason : new Error("the harness did not start");
	}
	const harness: Harness = {
		apps: {
			shipped: { url: shipped.value.url, port: shipped.value.port },
			raised: { url: raised.value.url, port: raised.value.port },
		},
		chromium: browser.value.wsEndpoint(),
		proxyPorts: { heartbeat: heartbeatProxy, store: storeProxy },
		push: { ports: { webPush, moderationTools }, key: push.key, cert: push.cert, ca: push.ca },
	};
	project.provide("harness", harness);
	return stop;
}

async function distinctFreePorts(n: number): Promise<number[]> {
	const ports = new Set<number>();
	while (ports.size < n) ports.add(await freePort());
	return [...ports];
}
