/** The shape of a run's results (bench/results/latest.json) and the targets checked against them. */
import type { Options } from "../options.ts";
import type { ClientResult } from "../scenarios/client-weight.ts";
import type { IdleResult } from "../scenarios/idle-memory.ts";
import type { JoinResult } from "../scenarios/join.ts";
import type { LatencyResult } from "../scenarios/latency.ts";
import type { LongConversationResult } from "../scenarios/long-conversation.ts";
import type { ReactionsResult } from "../scenarios/reactions.ts";
import type { SaturationResult } from "../scenarios/saturation.ts";
import type { TargetName } from "../targets.ts";
import type { Machine } from "./machine.ts";

export interface BenchResults {
	date: string;
	mode: "full" | "smoke";
	/** The command as typed, flags included. */
	command: string;
	machine: Machine;
	/** The 1-minute load average when the run started and ended: other work on the machine. */
	loadAverage: { start: number; end: number };
	seconds: number;
	options: Options;
	/** The servers measured, in the order each round ran them. */
	targetNames: TargetName[];
	idle?: IdleResult;
	join?: JoinResult;
	latency: LatencyResult[];
	saturation?: SaturationResult;
	client?: ClientResult;
	conversation?: LongConversationResult;
	reactions?: ReactionsResult;
	targets: TargetCheck[];
	/** Losses, duplicates, refusals: a run with any is broken. */
	problems: string[];
	/** Scenarios that threw. */
	errors: string[];
}

export interface TargetCheck {
	name: string;
	measured: string;
	met: boolean | undefined;
}

/** The first screen's JS, and the whole app's (test/e2e/bundle-budget.test.ts holds the same budgets). */
const JS_BUDGET = 15 * 1024;
const APP_JS_BUDGET = 40 * 1024;
const JOIN_BUDGET_MS = 50;
/** The page's cost per message in a long conversation, against a short one. */
const LONG_CONVERSATION_RATIO = 1.5;
const LONG_TASK_MS = 50;

export function checkTargets(r: Omit<BenchResults, "targets">): TargetCheck[] {
	const checks: TargetCheck[] = [];
	const lat = r.latency[0];
	const hz = lat?.summary.hashzap;
	const fl = lat?.summary.floor;
	if (lat && hz && fl) {
		checks.push({
			name: `Latency p99 at ${lat.clients} clients within 2× the floor's`,
			measured: `${fmt(hz.p99Ms)} ms vs ${fmt(fl.p99Ms)} ms (${fmt(hz.p99Ms / fl.p99Ms)}×)`,
			met: hz.p99Ms <= 2 * fl.p99Ms,
		});
	}
	const sat = r.saturation?.summary;
	if (sat?.hashzap && sat.floor) {
		checks.push({
			name: "Deliveries per second at least half the floor's",
			measured: `${Math.round(sat.hashzap.deliveriesPerSecond)} vs ${Math.round(sat.floor.deliveriesPerSecond)} (${fmt(sat.hashzap.deliveriesPerSecond / sat.floor.deliveriesPerSecond)}×)`,
			met: sat.hashzap.deliveriesPerSecond >= 0.5 * sat.floor.deliveriesPerSecond,
		});
	}
	if (r.client) {
		checks.push({
			name: "First screen's JS (landing page and name dialog) at most 15 KB gzipped",
			measured: `${fmt(r.client.weight.jsGzip / 1024)} KB`,
			met: r.client.weight.jsGzip <= JS_BUDGET,
		});
		checks.push({
			name: "The whole app's JS at most 40 KB gzipped",
			measured: `${fmt(r.client.weight.allJsGzip / 1024)} KB`,
			met: r.client.weight.allJsGzip <= APP_JS_BUDGET,
		});
	}
	const join = r.join?.summary.hashzap;
	if (join && r.join) {
		checks.push({
			name: `Join into a room of ${r.join.historySize.toLocaleString("en")} messages under 50 ms p50`,
			measured: `${fmt(join.fullP50Ms)} ms`,
			met: join.fullP50Ms < JOIN_BUDGET_MS,
		});
	}
	const conv = r.conversation;
	const short = conv?.summary[0];
	const long = conv?.summary.at(-1);
	if (conv && short && long && long !== short) {
		const ratio = long.msPerMessage / short.msPerMessage;
		checks.push({
			name: `Page's main thread per message with ${long.lines.toLocaleString("en")} lines within ${LONG_CONVERSATION_RATIO}× that with ${short.lines}`,
			measured: `${fmt(long.msPerMessage)} ms vs ${fmt(short.msPerMessage)} ms (${fmt(ratio)}×)`,
			met: ratio <= LONG_CONVERSATION_RATIO,
		});
		const longest = Math.max(...conv.summary.map((s) => s.longestThreadMs));
		const wall = Math.max(...conv.summary.map((s) => s.longestTaskMs));
		checks.push({
			name: `No long task over ${LONG_TASK_MS} ms while ${conv.perSecond} messages a second arrive (thread time)`,
			measured: `longest ${fmt(longest)} ms (${fmt(wall)} ms wall, on a machine at load ${fmt(r.loadAverage.start)})`,
			met: longest <= LONG_TASK_MS,
		});
	}
	return checks;
}

/** A number for a table: 3 significant digits, no exponent. */
export function fmt(value: number | undefined): string {
	if (value === undefined || !Number.isFinite(value)) return "n/a";
	if (value === 0) return "0";
	const abs = Math.abs(value);
	if (abs >= 100) return Math.round(value).toLocaleString("en");
	return String(Number(value.toPrecision(3)));
}
