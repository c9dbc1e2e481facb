/**
 * Latency: N clients in one room, one of them sending at a fixed rate; every
 * delivery to every client (the sender's own echo included) is timed from
 * the message's scheduled send time. Clients join before anything is
 * measured, since each join is broadcast to the whole room.
 */
import { encode, merge, type Percentiles, percentiles } from "../lib/histogram.ts";
import { median } from "../lib/stats.ts";
import type { TargetName } from "../targets.ts";
import { alternate, byTarget, type Context, timed } from "./context.ts";
import { phaseProblems, runPhase } from "./phase.ts";

export interface LatencyRound extends Percentiles {
	target: TargetName;
	round: number;
	sent: number;
	lost: number;
	duplicated: number;
	generatorUtilization: number;
	generatorDelayMaxMs: number;
	scheduleLagMaxMs: number;
	generatorCores: number;
	serverCores: number;
}

export interface LatencyTargetSummary {
	/** Medians over rounds of each round's percentile. */
	p50Ms: number;
	p99Ms: number;
	maxMs: number;
	/** Every delivery of every round in one histogram. */
	all: Percentiles;
	lost: number;
	duplicated: number;
	/** Seconds to open and join all N clients (the joins are broadcast to the room). */
	joinAllSeconds: number;
	generatorUtilizationMax: number;
	generatorDelayMaxMs: number;
	scheduleLagMaxMs: number;
	serverCoresMedian: number;
}

export interface LatencyResult {
	clients: number;
	perSecond: number;
	durationMs: number;
	rounds: LatencyRound[];
	summary: Partial<Record<TargetName, LatencyTargetSummary>>;
}

export async function latency(ctx: Context, clients: number): Promise<LatencyResult> {
	const { perSecond, durationMs } = ctx.options.latency;
	const group = (t: string) => `lat${clients}-${t}-${ctx.runId}`;
	const joinAll: Partial<Record<TargetName, number>> = {};
	for (const target of ctx.targets) {
		const { seconds } = await timed(() =>
			ctx.pool.connect(group(target.name), target.wsUrl(group(target.name)), clients),
		);
		joinAll[target.name] = seconds;
		await ctx.pool.settle();
		ctx.log(`  ${target.name}: ${clients} clients joined in ${seconds.toFixed(1)} s`);
	}
	const mode = { kind: "rate", perSecond, durationMs } as const;
	const phaseOpts = { drainMs: ctx.options.drainMs, binMs: 100 };
	// A short unmeasured phase first, so that neither side is measured while its JIT warms up.
	for (const target of ctx.targets) {
		await runPhase(ctx.pool, target, group(target.name), 1, { ...mode, durationMs: 500 }, phaseOpts);
	}
	const histograms = new Map<TargetName, string[]>(ctx.targets.map((t) => [t.name, []]));
	const rounds = await alternate(ctx, ctx.options.rounds, async (target, round) => {
		const run = await runPhase(ctx.pool, target, group(target.name), 1, mode, phaseOpts);
		for (const p of phaseProblems(run)) ctx.problems.push(`latency ${clients} ${target.name}: ${p}`);
		histograms.get(target.name)?.push(encode(run.histogram));
		const row = {
			...percentiles(run.histogram),
			sent: run.sent,
			lost: run.lost,
			duplicated: run.duplicated,
			generatorUtilization: run.maxUtilization,
			generatorDelayMaxMs: run.delayMaxMs,
			scheduleLagMaxMs: run.scheduleLagMaxMs,
			generatorCores: run.generatorCores,
			serverCores: run.serverCores,
		};
		ctx.log(
			`  round ${round + 1} ${target.name}: ${row.sent} sent, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, max ${row.maxMs} ms, lost ${row.lost}, generator ELU ${row.generatorUtilization.toFixed(2)}, lag ${row.scheduleLagMaxMs.toFixed(1)} ms, server ${row.serverCores.toFixed(2)} cores`,
		);
		return row;
	});
	for (const target of ctx.targets) await ctx.pool.close(group(target.name));
	const summary: Partial<Record<TargetName, LatencyTargetSummary>> = {};
	for (const target of ctx.targets) {
		const mine = byTarget(rounds, target.name);
		summary[target.name] = {
			p50Ms: median(mine.map((r) => r.p50Ms)),
			p99Ms: median(mine.map((r) => r.p99Ms)),
			maxMs: median(mine.map((r) => r.maxMs)),
			all: percentiles(merge(histograms.get(target.name) ?? [])),
			lost: mine.reduce((a, r) => a + r.lost, 0),
			duplicated: mine.reduce((a, r) => a + r.duplicated, 0),
			joinAllSeconds: joinAll[target.name] ?? Number.NaN,
			generatorUtilizationMax: Math.max(...mine.map((r) => r.generatorUtilization)),
			generatorDelayMaxMs: Math.max(...mine.map((r) => r.generatorDelayMaxMs)),
			scheduleLagMaxMs: Math.max(...mine.map((r) => r.scheduleLagMaxMs)),
			serverCoresMedian: median(mine.map((r) => r.serverCores)),
		};
	}
	return { clients, perSecond, durationMs, rounds, summary };
}
