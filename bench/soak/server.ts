/**
 * The server under the drill: Hashzap under `wrangler dev`, started by the
 * tests' startApp on a frozen copy of the app (bench/targets.ts), with every
 * rate and socket limit raised (50 clients share one address), on a free
 * port with a temporary state directory (`--persist-to`). It can be killed
 * with SIGKILL, its whole process group at once (wrangler, its workerd
 * processes), and started again on the same port with the same state, as
 * many times as the drill likes; `stop` ends it for good and removes the
 * copy and the state.
 */
import { rmSync } from "node:fs";
import { sleep } from "../lib/clock.ts";
import { groupMembers, groupOf, groupOfCommandLine } from "../lib/proc.ts";
import { frozenApp, HASHZAP_VARS } from "../targets.ts";

const root = new URL("../../", import.meta.url).pathname;

export interface KillableServer {
	port: number;
	wsUrl(room: string): string;
	/** Whether it is running (between a start and a kill). */
	readonly up: boolean;
	/** SIGKILL to the server's process group; resolves once none of its processes is left. */
	kill(): Promise<void>;
	/** Starts it again on the same port with the same state; resolves once it answers /api/health. */
	start(): Promise<void>;
	/** Stops it (SIGTERM, then SIGKILL) and removes its copy and state. Safe to call at any time, more than once. */
	stop(): Promise<void>;
	/** At once and without waiting, for a process on its way out: SIGKILL to whatever runs of the server. */
	abort(): void;
}

/** How long the processes of a killed group may take to be gone. */
const GONE_WITHIN_MS = 15_000;
/** Starts tried after a kill before the drill gives up (the port may be held for a moment). */
const START_TRIES = 3;

export async function startKillableServer(log: (line: string) => void): Promise<KillableServer> {
	const { copy, startApp } = await frozenApp(root);
	// The limits that would refuse 50 clients from one address are raised, as for the bench; the join deadline
	// stays as deployed, since the drill's clients join at once, like the page.
	const { JOIN_WITHIN_MS: _keep, ...vars } = HASHZAP_VARS;
	let app: Awaited<ReturnType<typeof startApp>>;
	try {
		app = await startApp(vars);
	} catch (e) {
		rmSync(copy, { recursive: true, force: true });
		throw e;
	}
	const ownGroup = groupOf(process.pid);
	let up = true;
	let stopped = false;

	/** The running server's process group: wrangler's, which startApp runs detached; its command line names the state directory. */
	const group = (): number => {
		const pgrp = groupOfCommandLine(app.stateDir);
		// Never our own group (nor init's): the kill must reach wrangler's processes and nothing else.
		if (pgrp === undefined || pgrp <= 1 || pgrp === ownGroup) {
			throw new Error(`no process group of its own for the wrangler dev of ${app.stateDir}`);
		}
		return pgrp;
	};

	/** The group of whatever runs of this server, if anything does and it is safe to signal. */
	const runningGroup = (): number | undefined => {
		const pgrp = groupOfCommandLine(app.stateDir);
		return pgrp !== undefined && pgrp > 1 && pgrp !== ownGroup ? pgrp : undefined;
	};

	const waitGone = async (pgrp: number) => {
		const deadline = Date.now() + GONE_WITHIN_MS;
		while (groupMembers(pgrp).length > 0) {
			if (Date.now() > deadline)
				throw new Error(`processes of group ${pgrp} still alive ${GONE_WITHIN_MS} ms after SIGKILL`);
			await sleep(50);
		}
	};

	return {
		port: app.port,
		// The page's protocol version (PROTOCOL_VERSION in protocol/frames.ts, which Node cannot import from here).
		wsUrl: (room) => `ws://127.0.0.1:${app.port}/api/rooms/${room}/websocket?v=7`,
		get up() {
			return up;
		},
		async kill() {
			if (!up) throw new Error("kill: the server is not running");
			const pgrp = group();
			up = false;
			process.kill(-pgrp, "SIGKILL");
			await waitGone(pgrp);
		},
		async start() {
			if (up || stopped) throw new Error("start: the server is running or stopped for good");
			for (let attempt = 1; ; attempt++) {
				try {
					await app.start();
					up = true;
					return;
				} catch (e) {
					if (attempt >= START_TRIES) throw e;
					log(`soak: start ${attempt} failed (${e instanceof Error ? e.message.split("\n")[0] : e}); again`);
					await sleep(1000);
				}
			}
		},
		async stop() {
			if (stopped) return;
			stopped = true;
			up = false;
			try {
				await app.stop();
			} finally {
				// Whatever of the group outlived a stop (or a start cut short) goes too.
				const pgrp = runningGroup();
				if (pgrp !== undefined) {
					try {
						process.kill(-pgrp, "SIGKILL");
						await waitGone(pgrp);
					} catch {
						// gone already
					}
				}
				rmSync(copy, { recursive: true, force: true });
				rmSync(app.stateDir, { recursive: true, force: true });
			}
		},
		abort() {
			const pgrp = runningGroup();
			if (pgrp === undefined) return;
			try {
				process.kill(-pgrp, "SIGKILL");
			} catch {
				// gone already
			}
		},
	};
}
