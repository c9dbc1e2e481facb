/**
 * Starts the real app (`wrangler dev`, the same as `npm start` but on a free
 * port and with its own state directory) for browser tests, and stops it by
 * its process group. The build in dist/client must exist (`npm test` makes it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateVapidKeys } from "../../scripts/vapid-keys.ts";

const root = new URL("../../", import.meta.url).pathname;

/** Every wrangler dev this process started and has not seen exit: killed with it, however it ends. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
	for (const c of running) {
		try {
			if (c.pid !== undefined) process.kill(-c.pid, "SIGKILL");
		} catch {
			// gone already
		}
	}
});

/** The app as a test reaches it: a shared server (harness.ts) or one of the file's own. */
export interface App {
	url: string;
	port: number;
}

export interface AppServer extends App {
	/** Where the Durable Objects' SQLite files live: kept across `restart()`. */
	stateDir: string;
	stop(): Promise<void>;
	/** Stops the server and starts it again on the same port with the same state. */
	restart(): Promise<void>;
	/** Like a new deploy: the same origin and state, serving the client files in `assetsDir` instead. */
	redeploy(assetsDir: string): Promise<void>;
	start(): Promise<void>;
}

/**
 * `vars` are wrangler vars; `env` goes to wrangler's environment (NODE_EXTRA_CA_CERTS, for one). The server
 * gets a VAPID key pair of its own, as `npm start` makes one, through the environment that secrets are read from.
 */
export async function startApp(
	vars: Record<string, string> = {},
	env: Record<string, string> = {},
): Promise<AppServer> {
	if (!existsSync(join(root, "dist/client/index.html"))) {
		throw new Error("dist/client is missing: run `npx vite build` (npm test does) before the browser tests");
	}
	const port = await freePort();
	// An inspector port of its own too: left to choose, two wrangler devs starting at once (this run's, or another
	// checkout's) may both take the same one, and one exits with "Address already in use".
	const inspectorPort = await freePort();
	const stateDir = mkdtempSync(join(tmpdir(), "hashzap-state-"));
	let child: ChildProcess | null = null;
	let log = "";
	/** A wrangler config of its own (absolute paths, in the state directory), for a redeploy's other assets. */
	let config: string | null = null;
	const vapid = await generateVapidKeys();

	const start = async () => {
		const args = [
			"dev",
			"--ip",
			"127.0.0.1",
			"--port",
			String(port),
			"--persist-to",
			stateDir,
			"--inspector-port",
			String(inspectorPort),
			"--show-interactive-dev-session=false",
		];
		if (config) args.push("--config", config);
		for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
		log = "";
		const started = spawn(join(root, "node_modules/.bin/wrangler"), args, {
			cwd: root,
			detached: true,
			stdio: ["ignore", "pipe", "pipe"],
			env: {
				...process.env,
				...vapid,
				...env,
				WRANGLER_SEND_METRICS: "false",
				CLOUDFLARE_CF_FETCH_ENABLED: "false",
				CI: "true",
			},
		});
		child = started;
		running.add(started);
		started.once("exit", () => running.delete(started));
		started.stdout?.on("data", (d) => {
			log += d;
		});
		started.stderr?.on("data", (d) => {
			log += d;
		});
		// Closed, not just exited: by then all it wrote has been read, for the message.
		const closed = new Promise<void>((resolve) => started.once("close", () => resolve()));
		const deadline = Date.now() + 60_000;
		while (Date.now() < deadline) {
			if (started.exitCode !== null) {
				await closed;
				throw new Error(`wrangler dev ${args.join(" ")} exited (${started.exitCode}):\n${log}`);
			}
			try {
				const res = await fetch(`http://127.0.0.1:${port}/api/health`);
				if (res.ok) return;
			} catch {
				// not listening yet
			}
			await new Promise((r) => setTimeout(r, 200));
		}
		await stop();
		throw new Error(`wrangler dev did not answer within 60 s:\n${log}`);
	};

	const stop = async () => {
		const c = child;
		if (!c || c.exitCode !== null || c.pid === undefined) return;
		const exited = new Promise((resolve) => c.once("exit", resolve));
		const group = -c.pid;
		process.kill(group, "SIGTERM");
		const timer = setTimeout(() => process.kill(group, "SIGKILL"), 5000);
		await exited;
		clearTimeout(timer);
		// workerd may outlive wrangler by a moment; wait until the port is free again.
		while (!(await portFree(port))) await new Promise((r) => setTimeout(r, 100));
		child = null;
	};

	await start();
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		stateDir,
		start,
		stop,
		async restart() {
			await stop();
			await start();
		},
		async redeploy(assetsDir: string) {
			await stop();
			config = join(stateDir, "wrangler-redeploy.toml");
			const toml = readFileSync(join(root, "wrangler.toml"), "utf8")
				.replace(/^main = "(.*)"$/m, (_, main: string) => `main = ${JSON.stringify(join(root, main))}`)
				.replace(/^directory = ".*"$/m, `directory = ${JSON.stringify(assetsDir)}`);
			writeFileSync(config, toml);
			await start();
		},
	};
}

/**
 * A port no one listens on, for a server this test starts a moment later. Drawn below Linux's ephemeral
 * range (32768 up), where no outgoing connection and no `listen(0)` of another process is given a port,
 * so it stays free until it is used, even minutes later on a busy machine.
 */
export async function freePort(): Promise<number> {
	for (;;) {
		const port = 20_000 + Math.floor(Math.random() * 12_000);
		// Never the same one twice in a process: one handed out may not be listened on yet.
		if (!handedOut.has(port) && (await portFree(port))) {
			handedOut.add(port);
			return port;
		}
	}
}
const handedOut = new Set<number>();

function portFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once("error", () => resolve(false));
		server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
	});
}
