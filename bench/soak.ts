/**
 * `npm run soak`: the fault drill (issue #19). 50 clients, each behaving as
 * the page does (bench/soak/client.ts), chat in 5 rooms for 10 minutes while
 * `wrangler dev` is killed with SIGKILL and restarted on the same state every
 * 60 s and clients drop their connections and come back; after a settle in
 * which every client comes back and resyncs, it counts what every client
 * holds: sent, delivered, lost and doubled, per room and in total
 * (bench/soak/ledger.ts). It exits non-zero, printing the offending messages,
 * unless nothing was lost, doubled or left unacked.
 *
 * Flags: --smoke (60 s, one kill: what CI runs), --minutes N or --duration S,
 * --seed N (the schedule replays from it), --clients N, --rooms N,
 * --kill-every S, --no-build (serve dist/client as it is).
 *
 * Everything it starts it stops: the clients, and the server's process group,
 * also on an error, a deadline or Ctrl-C. It talks to 127.0.0.1 only.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildClient } from "./lib/build.ts";
import { sleep } from "./lib/clock.ts";
import { Random } from "./lib/random.ts";
import { userKey } from "./load/wire.ts";
import { machine } from "./report/machine.ts";
import { updateReadmes } from "./report/readme.ts";
import { SoakClient } from "./soak/client.ts";
import { Ledger } from "./soak/ledger.ts";
import { parseSoakOptions } from "./soak/options.ts";
import { planSoak } from "./soak/plan.ts";
import { type Kill, offenceList, type SoakResults, soakSection } from "./soak/report.ts";
import { type KillableServer, startKillableServer } from "./soak/server.ts";

const argv = process.argv.slice(2);
const options = parseSoakOptions(argv);
const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
/** The default drill, whose result goes into the READMEs; other flags shape a run whose result goes to the temp directory. */
const official = !options.smoke && argv.every((a) => a === "--no-build");

/** The whole run is bounded: startup, the chat, the settle, and five minutes to spare. */
const DEADLINE_MS = options.durationMs + options.settleMaxMs + 5 * 60_000;
/** How long the clients may take to join at the start. */
const JOIN_WITHIN_MS = 60_000;
/** Quiet after the last outbox emptied, for lines still on their way, before the final resync. */
const QUIET_MS = 3000;

let server: KillableServer | undefined;
const clients: SoakClient[] = [];
/** The writes and drops still scheduled. */
const timers = new Set<ReturnType<typeof setTimeout>>();
let stopping = false;

function later(ms: number, fn: () => void): void {
	const timer = setTimeout(() => {
		timers.delete(timer);
		if (!stopping) fn();
	}, ms);
	timers.add(timer);
}

async function cleanUp(): Promise<void> {
	stopping = true;
	for (const t of timers) clearTimeout(t);
	timers.clear();
	await Promise.all(clients.map((c) => c.stop()));
	await server?.stop();
}

/** Whatever happens, the server's processes do not outlive this one. */
process.on("exit", () => server?.abort());
const deadline = setTimeout(() => {
	console.error(`soak: still running after ${DEADLINE_MS / 1000} s; stopping`);
	void Promise.race([cleanUp(), sleep(15_000)]).then(() => process.exit(2));
}, DEADLINE_MS);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.once(signal, () => {
		console.error(`soak: ${signal}; stopping`);
		void Promise.race([cleanUp(), sleep(15_000)]).then(() => process.exit(130));
	});
}

const random = new Random(options.seed);
const plan = planSoak(options, random.fork("plan"));
const ledger = new Ledger();
let results: SoakResults;

try {
	if (options.build) {
		log("building the client (vite build)");
		buildClient();
	}
	log(
		`${options.clients} clients, ${options.rooms} rooms, ${options.durationMs / 1000} s; ` +
			`kills at ${plan.kills.map((k) => Math.round(k / 1000)).join(", ")} s; ${plan.drops.length} drops; seed ${options.seed}`,
	);
	server = await startKillableServer(log);
	log(`wrangler dev on 127.0.0.1:${server.port}`);
	const url = server.wsUrl;
	for (let i = 0; i < options.clients; i++) {
		const room = `soak-${i % options.rooms}`;
		clients.push(
			new SoakClient(
				{ index: i, room, name: `Soak ${i}`, user: userKey(`soak${options.seed}`, i) },
				url(room),
				random.fork(`client ${i}`),
				ledger,
			),
		);
	}
	for (const c of clients) c.start();
	const joinBy = Date.now() + JOIN_WITHIN_MS;
	while (!clients.every((c) => c.online)) {
		if (Date.now() > joinBy)
			throw new Error(`only ${clients.filter((c) => c.online).length} clients joined within 60 s`);
		await sleep(100);
	}
	log("every client joined; the chat begins");

	const chatStart = Date.now();
	const chatEnd = chatStart + options.durationMs;
	for (const c of clients) {
		const r = random.fork(`writes ${c.index}`);
		const next = () => {
			const wait = r.between(...options.writeGapMs);
			if (Date.now() + wait < chatEnd) {
				later(wait, () => {
					c.write();
					next();
				});
			}
		};
		next();
	}
	for (const d of plan.drops) later(d.at, () => clients[d.client]?.drop(d.how, d.awayMs));
	const progress = setInterval(() => {
		const online = clients.filter((c) => c.online).length;
		const waiting = clients.reduce((n, c) => n + c.outbox.size, 0);
		log(`${online}/${clients.length} clients joined, ${waiting} messages waiting for an ack`);
	}, 30_000);

	const kills: Kill[] = [];
	for (const at of plan.kills) {
		await sleep(Math.max(0, chatStart + at - Date.now()));
		if (stopping) break;
		const t = Date.now();
		log(`kill ${kills.length + 1}/${plan.kills.length}: SIGKILL to wrangler dev's process group`);
		await server.kill();
		await server.start();
		kills.push({ at: (t - chatStart) / 1000, downSeconds: (Date.now() - t) / 1000 });
		log(`server back after ${((Date.now() - t) / 1000).toFixed(1)} s`);
	}
	await sleep(Math.max(0, chatEnd - Date.now()));
	clearInterval(progress);

	log("the chat is over; settling: every client back, its outbox empty, then a final resync");
	const settleStart = Date.now();
	const ready = () => clients.every((c) => c.online && c.outbox.size === 0 && c.lastSeq >= c.roomSeq);
	while (!ready() && Date.now() - settleStart < options.settleMaxMs) await sleep(250);
	await sleep(QUIET_MS);
	let settled = ready();
	if (settled) {
		const synced = await Promise.all(clients.map((c) => c.resync()));
		for (const c of clients.filter((_, i) => !synced[i]))
			ledger.problem(`${c.name}: the final resync was not answered`);
		settled = synced.every(Boolean);
	} else {
		for (const c of clients.filter((c) => !c.online)) ledger.problem(`${c.name} was not back by the end of the settle`);
	}
	const settleSeconds = (Date.now() - settleStart) / 1000;
	log(`settled in ${settleSeconds.toFixed(1)} s${settled ? "" : " (not every client)"}`);

	const { rooms, total, offences } = ledger.tally(clients);
	const sum = (key: keyof SoakClient["counts"]) => clients.reduce((n, c) => n + c.counts[key], 0);
	if (kills.length < plan.kills.length) ledger.problem(`only ${kills.length} of ${plan.kills.length} kills happened`);
	results = {
		date: new Date(started).toISOString(),
		command: ["npm run soak", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" "),
		machine: machine(),
		options,
		kills,
		drops: sum("drops"),
		clients: {
			connects: sum("connects"),
			resumes: sum("resumes"),
			resets: sum("resets"),
			resends: sum("resends"),
			retriesOfStored: sum("retriesOfStored"),
			syncs: sum("syncs"),
			pings: sum("pings"),
		},
		settleSeconds,
		settled,
		rooms,
		total,
		offences,
		problems: ledger.problems,
		seconds: 0,
		ok: false,
	};
} catch (e) {
	console.error("soak: failed:", e);
	await Promise.race([cleanUp(), sleep(15_000)]);
	process.exit(1);
} finally {
	await Promise.race([cleanUp(), sleep(15_000)]);
	clearTimeout(deadline);
}

const t = results.total;
results.seconds = (Date.now() - started) / 1000;
results.ok =
	results.settled &&
	t.lost === 0 &&
	t.doubled === 0 &&
	t.doubledDeliveries === 0 &&
	t.conflicts === 0 &&
	t.unacked === 0 &&
	t.refused === 0 &&
	results.problems.length === 0;
const section = soakSection(results);
const outDir = official ? new URL("./results/", import.meta.url).pathname : join(tmpdir(), "hashzap-soak");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "soak.json"), `${JSON.stringify(results, null, "\t")}\n`);
writeFileSync(join(outDir, "soak.md"), `# Hashzap fault drill: latest run\n\n${section}`);
if (official) updateReadmes("soak", section);

console.log(`\n${section}`);
console.log(`results in ${outDir}`);
if (!results.ok) {
	console.error(`soak: FAILED\n${offenceList(results)}`);
	process.exit(1);
}
console.log(`soak: ok (${Math.round(results.seconds)} s)`);
process.exit(0);
