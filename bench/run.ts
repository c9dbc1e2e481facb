/**
 * `npm run bench`: starts Hashzap (`wrangler dev`) and the floor server, runs
 * every scenario against both in alternating rounds, and writes the results
 * (bench/results/latest.{json,md}, latency.svg, and the tables in
 * bench/README.md). `npm run bench -- --smoke` runs the same code with tiny
 * numbers in seconds and writes nothing to the repo; either mode exits
 * non-zero when a delivery is lost or duplicated or a scenario fails.
 *
 * Flags: --smoke, --rounds N, --threads N, --no-build (use dist/client as it
 * is), --direct (also measure the worker without wrangler's dev proxy),
 * --live (run the working tree, not a frozen copy of the app), --only
 * name,... (only the scenarios whose names start so; written to the temp
 * directory, like --smoke, since a partial run must not replace the tables).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildClient } from "./lib/build.ts";
import { sleep } from "./lib/clock.ts";
import { loadAverage } from "./lib/proc.ts";
import { LoadPool } from "./load/pool.ts";
import { parseOptions } from "./options.ts";
import { latencyChart } from "./report/chart.ts";
import { machine } from "./report/machine.ts";
import { performanceSection } from "./report/markdown.ts";
import { updateReadmes } from "./report/readme.ts";
import { type BenchResults, checkTargets } from "./report/results.ts";
import { clientWeight } from "./scenarios/client-weight.ts";
import type { Context } from "./scenarios/context.ts";
import { idleMemory } from "./scenarios/idle-memory.ts";
import { joinTime } from "./scenarios/join.ts";
import { latency } from "./scenarios/latency.ts";
import { longConversation } from "./scenarios/long-conversation.ts";
import { reactions } from "./scenarios/reactions.ts";
import { saturation } from "./scenarios/saturation.ts";
import { directTo, startFloor, startHashzap, type Target, type TargetName } from "./targets.ts";

const root = new URL("../", import.meta.url).pathname;
const options = parseOptions(process.argv.slice(2));
const started = Date.now();
const log = (line: string) => console.log(line);

/** The whole run is bounded: a hung scenario must not hold CI (or a machine) forever. */
const DEADLINE_MS = options.smoke ? 180_000 : 15 * 60_000;

const targets: Target[] = [];
/** Servers a scenario started for itself, stopped here too if the run is cut short. */
const extra = new Set<Target>();
let pool: LoadPool | undefined;

async function cleanUp(): Promise<void> {
	await pool?.stop();
	for (const t of [...targets, ...extra]) await t.stop().catch(() => undefined);
}

async function fresh(name: TargetName): Promise<Target> {
	const server = name === "floor" ? await startFloor() : await startHashzap(options.live);
	extra.add(server);
	const target = name === "direct" ? await directTo(server) : server;
	return {
		...target,
		stop: async () => {
			await server.stop();
			extra.delete(server);
		},
	};
}

const deadline = setTimeout(() => {
	console.error(`bench: still running after ${DEADLINE_MS / 1000} s; stopping`);
	void Promise.race([cleanUp(), sleep(10_000)]).then(() => process.exit(2));
}, DEADLINE_MS);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.once(signal, () => void Promise.race([cleanUp(), sleep(10_000)]).then(() => process.exit(130)));
}

if (options.build) {
	log("building the client (vite build)");
	try {
		buildClient();
	} catch (e) {
		console.error(e instanceof Error ? e.message : e);
		process.exit(1);
	}
}

const loadStart = loadAverage();
log(`load average at start: ${loadStart} (${machine().cores} cores)`);
const errors: string[] = [];
const problems: string[] = [];
const partial: Omit<BenchResults, "targets" | "seconds" | "loadAverage"> = {
	date: new Date().toISOString(),
	mode: options.smoke ? "smoke" : "full",
	command: ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
	machine: machine(),
	options,
	targetNames: [],
	latency: [],
	problems,
	errors,
};

try {
	const hashzap = await startHashzap(options.live);
	targets.push(hashzap);
	if (options.direct) targets.push(await directTo(hashzap));
	targets.push(await startFloor());
	partial.targetNames = targets.map((t) => t.name);
	pool = new LoadPool(options.threads);
	const ctx: Context = { targets, pool, options, runId: Date.now().toString(36), problems, log, fresh };
	const scenarios: [string, () => Promise<void>][] = [
		[
			"idle memory",
			async () => {
				partial.idle = await idleMemory(ctx);
			},
		],
		[
			"join",
			async () => {
				partial.join = await joinTime(ctx);
			},
		],
		...options.latency.clients.map((n): [string, () => Promise<void>] => [
			`latency, ${n} clients`,
			async () => {
				partial.latency.push(await latency(ctx, n));
			},
		]),
		[
			"reactions",
			async () => {
				partial.reactions = await reactions(ctx);
			},
		],
		[
			"saturation",
			async () => {
				partial.saturation = await saturation(ctx);
			},
		],
		[
			"client weight",
			async () => {
				partial.client = await clientWeight(ctx);
			},
		],
		[
			"long conversation",
			async () => {
				partial.conversation = await longConversation(ctx);
			},
		],
	];
	const chosen = (name: string) => options.only.length === 0 || options.only.some((o) => name.startsWith(o));
	for (const [name, run] of scenarios.filter(([name]) => chosen(name))) {
		log(`\n== ${name}`);
		try {
			await run();
		} catch (e) {
			errors.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
			console.error(`bench: ${name} failed:`, e);
		}
	}
} catch (e) {
	errors.push(`setup: ${e instanceof Error ? e.message : String(e)}`);
	console.error("bench: setup failed:", e);
} finally {
	await cleanUp();
	clearTimeout(deadline);
}

const withoutTargets = {
	...partial,
	seconds: (Date.now() - started) / 1000,
	loadAverage: { start: loadStart, end: loadAverage() },
};
const results: BenchResults = { ...withoutTargets, targets: checkTargets(withoutTargets) };
const partialRun = options.smoke || options.only.length > 0;
const outDir = partialRun ? join(tmpdir(), "hashzap-bench-smoke") : join(root, "bench/results");
mkdirSync(outDir, { recursive: true });
const chartFile = join(outDir, "latency.svg");
writeFileSync(join(outDir, "latest.json"), `${JSON.stringify(results, null, "\t")}\n`);
writeFileSync(
	chartFile,
	latencyChart(results.latency, results.targetNames, "Delivery latency (p50 solid, p99 dashed)"),
);
// From the repo root, so that the same markdown works in README.md and in bench/README.md on GitHub.
const section = performanceSection(results, partialRun ? chartFile : "/bench/results/latency.svg");
writeFileSync(join(outDir, "latest.md"), `# Hashzap benchmark: latest run\n\n${section}`);
if (!partialRun) updateReadmes("bench", section);

log(`\n${section}`);
log(`results in ${outDir}`);
const failures = [...errors, ...problems];
if (failures.length > 0) {
	console.error(`bench: FAILED\n${failures.map((f) => `  ${f}`).join("\n")}`);
	process.exit(1);
}
log(`bench: ok (${Math.round(results.seconds)} s)`);
process.exit(0);
