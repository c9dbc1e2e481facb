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
import { type AppServer, freePort, startApp } from "./app-server";
import { launchBrowserServer } from "./browser";
import { CONFIGURATIONS, type Configuration } from "./configurations";
import type { Harness } from "./harness";
import { makeCertificates } from "./push-server";

export default async function setup(project: TestProject) {
	// Ports known before the server starts, for what the `shipped` server must know of: the origins of the
	// proxies a test puts between a page and the app (store, heartbeat), and the push service web-push runs.
	const [heartbeatProxy = 0, storeProxy = 0, pushPort = 0] = await distinctFreePorts(3);
	const push = makeCertificates();
	const origins = [heartbeatProxy, storeProxy].map((port) => `http://127.0.0.1:${port}`).join(",");
	const started: AppServer[] = [];
	const server = launchBrowserServer();
	const start = async (name: Configuration, vars: Record<string, string>, env: Record<string, string> = {}) => {
		const app = await startApp({ ...CONFIGURATIONS[name], ...vars }, env);
		started.push(app);
		return app;
	};
	const stop = async () => {
		await Promise.allSettled([server.then((s) => s.close()), ...started.map((app) => app.stop())]);
	};
	try {
		const [shipped, raised, chromium] = await Promise.all([
			start(
				"shipped",
				{ ALLOWED_ORIGINS: origins, PUSH_HOSTS: `127.0.0.1:${pushPort}` },
				{ NODE_EXTRA_CA_CERTS: push.ca },
			),
			start("raised", {}),
			server,
		]);
		const harness: Harness = {
			apps: { shipped: { url: shipped.url, port: shipped.port }, raised: { url: raised.url, port: raised.port } },
			chromium: chromium.wsEndpoint(),
			proxyPorts: { heartbeat: heartbeatProxy, store: storeProxy },
			push: { port: pushPort, key: push.key, cert: push.cert, ca: push.ca },
		};
		project.provide("harness", harness);
	} catch (e) {
		await stop();
		throw e;
	}
	return stop;
}

async function distinctFreePorts(n: number): Promise<number[]> {
	const ports = new Set<number>();
	while (ports.size < n) ports.add(await freePort());
	return [...ports];
}
