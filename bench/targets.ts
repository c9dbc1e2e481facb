/**
 * The servers every scenario runs against, started side by side in one
 * run: Hashzap under `wrangler dev` (with its rate and socket limits raised
 * through wrangler vars) and the floor server. Each exposes its URLs and the
 * processes whose memory and CPU are its cost.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { startApp as StartApp } from "../test/e2e/app-server.ts";
import { connectedPorts, groupMembers, groupOfCommandLine, listeningPorts } from "./lib/proc.ts";

/** "direct" is Hashzap's worker reached without wrangler's dev proxy in front (--direct): a diagnostic. */
export type TargetName = "hashzap" | "floor" | "direct";

export interface Target {
	name: TargetName;
	/** http://127.0.0.1:PORT */
	httpUrl: string;
	wsUrl(room: string): string;
	/** The server's processes now (wrangler dev: its workerd processes). */
	serverPids(): number[];
	stop(): Promise<void>;
}

/** High enough that no limit is ever reached by the bench: it measures the room, not its guards. */
const UNLIMITED = "1000000000";

export const HASHZAP_VARS: Record<string, string> = {
	RATE_BURST: UNLIMITED,
	RATE_PER_SECOND: UNLIMITED,
	IP_RATE_BURST: UNLIMITED,
	IP_RATE_PER_SECOND: UNLIMITED,
	RATE_STRIKES_TO_CLOSE: UNLIMITED,
	MAX_SOCKETS_PER_IP: UNLIMITED,
	MAX_SOCKETS_PER_IP_TOTAL: UNLIMITED,
	IP_UPGRADE_BURST: UNLIMITED,
	IP_UPGRADE_PER_SECOND: UNLIMITED,
	// The idle-memory scenario holds 500 sockets open before they join.
	JOIN_WITHIN_MS: UNLIMITED,
};

const root = new URL("../", import.meta.url).pathname;

/** What `wrangler dev` reads: the worker, its config, the built client; node_modules is linked, not copied. */
const APP_FILES = [
	"worker",
	"protocol",
	"wrangler.toml",
	"package.json",
	"tsconfig.json",
	"dist/client",
	"test/e2e/app-server.ts",
	// app-server.ts gives the server its VAPID keys.
	"scripts/vapid-keys.ts",
];

/**
 * A frozen copy of the app checked out at `from`, in a new temporary
 * directory, with this checkout's node_modules linked in, and the copy's own
 * startApp: it finds the app relative to itself, so it runs the copy.
 */
export async function frozenApp(from: string): Promise<{ copy: string; startApp: typeof StartApp }> {
	const copy = mkdtempSync(join(tmpdir(), "hashzap-bench-app-"));
	for (const path of APP_FILES) cpSync(join(from, path), join(copy, path), { recursive: true });
	symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
	const mod = (await import(pathToFileURL(join(copy, "test/e2e/app-server.ts")).href)) as {
		startApp: typeof StartApp;
	};
	return { copy, startApp: mod.startApp };
}

/**
 * Starts Hashzap with test/e2e/app-server.ts's startApp. By default on a
 * frozen copy of the app taken now: `wrangler dev` reloads the worker (and
 * drops every socket) whenever a source file changes, and a run must measure
 * one version of the code however long it takes. `live` runs the working tree.
 */
export async function startHashzap(live = false): Promise<Target> {
	let copy: string | undefined;
	let start: typeof StartApp;
	if (live) {
		start = (await import("../test/e2e/app-server.ts")).startApp;
	} else {
		({ copy, startApp: start } = await frozenApp(root));
	}
	const app = await start(HASHZAP_VARS);
	const removeCopy = () => {
		if (copy) rmSync(copy, { recursive: true, force: true });
	};
	// startApp runs wrangler in its own process group; its state directory is
	// unique to this run, so the command line that names it finds the group.
	const pgrp = groupOfCommandLine(app.stateDir);
	if (pgrp === undefined) {
		await app.stop();
		removeCopy();
		throw new Error("could not find the wrangler dev process group");
	}
	return {
		name: "hashzap",
		httpUrl: app.url,
		wsUrl: (room) => `ws://127.0.0.1:${app.port}/api/rooms/${room}/websocket`,
		serverPids: () => groupMembers(pgrp, "workerd"),
		stop: async () => {
			await app.stop();
			removeCopy();
			// startApp leaves its state directory (the tests keep it to restart on); the bench has no use for it.
			rmSync(app.stateDir, { recursive: true, force: true });
		},
	};
}

/**
 * The same running Hashzap, reached at the workerd process that runs the
 * worker instead of at wrangler's dev proxy (a second workerd that relays
 * every request and every WebSocket frame, and that production does not
 * have). Its port is printed nowhere; it is the one, among those the proxy
 * is connected to (startApp's health checks made that connection), that
 * serves the app.
 */
export async function directTo(hashzap: Target): Promise<Target> {
	const appPort = Number(new URL(hashzap.httpUrl).port);
	const pids = hashzap.serverPids();
	const proxy = pids.filter((pid) => listeningPorts([pid]).includes(appPort));
	const relayedTo = new Set(connectedPorts(proxy));
	const candidates = pids
		.filter((pid) => !proxy.includes(pid))
		.flatMap((pid) => listeningPorts([pid]))
		.filter((p) => relayedTo.has(p));
	let port: number | undefined;
	for (const p of candidates) {
		// The proxy also holds a connection to the worker's inspector: the entry socket is the one that serves the app.
		const res = await fetch(`http://127.0.0.1:${p}/api/health`, { signal: AbortSignal.timeout(5000) }).catch(
			() => undefined,
		);
		if (res?.ok) {
			port = p;
			break;
		}
	}
	if (port === undefined) throw new Error("could not find the port of the workerd process that runs the worker");
	return {
		...hashzap,
		name: "direct",
		httpUrl: `http://127.0.0.1:${port}`,
		wsUrl: (room) => `ws://127.0.0.1:${port}/api/rooms/${room}/websocket`,
		// The proxy idles when bypassed; its processes still count, as they do for "hashzap".
		stop: async () => undefined,
	};
}

export async function startFloor(): Promise<Target> {
	const child = spawn(process.execPath, [new URL("./floor-server.ts", import.meta.url).pathname], {
		stdio: ["ignore", "pipe", "inherit"],
	});
	const port = await new Promise<number>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error("floor server did not start within 10 s")), 10_000);
		child.once("exit", (code) => reject(new Error(`floor server exited (${code})`)));
		child.stdout?.on("data", (d: Buffer) => {
			const match = /listening (\d+)/.exec(String(d));
			if (match) {
				clearTimeout(timer);
				resolve(Number(match[1]));
			}
		});
	});
	return {
		name: "floor",
		httpUrl: `http://127.0.0.1:${port}`,
		wsUrl: (room) => `ws://127.0.0.1:${port}/api/rooms/${room}/websocket`,
		serverPids: () => (child.pid !== undefined && child.exitCode === null ? [child.pid] : []),
		stop: () => stopChild(child),
	};
}

async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.pid === undefined) return;
	const exited = new Promise((resolve) => child.once("exit", resolve));
	child.kill("SIGTERM");
	const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
	await exited;
	clearTimeout(timer);
}
