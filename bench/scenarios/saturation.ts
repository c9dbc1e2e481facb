/**
 * Saturation: N clients in one room and a few senders, each keeping a window
 * of sends unacknowledged, so they send exactly as fast as the server
 * accepts. The number is deliveries per second that clients actually
 * received, counted in the steady part of the window (after a warm-up).
 */
import { percentiles } from "../lib/histogram.ts";
import { median } from "../lib/stats.ts";
import type { TargetName } from "../targets.ts";
import { alternate, byTarget, type Context } from "./context.ts";
import { phaseProblems, runPhase } from "./phase.ts";

export interface SaturationRound {
	target: TargetName;
	round: number;
	sent: number;
	/** Messages the server accepted per second (acks). */
	sendsPerSecond: number;
	/** Deliveries received per second, all clients together, in the steady window. */
	deliveriesPerSecond: number;
	p50Ms: number;
	p99Ms: number;
	lost: number;
	duplicated: number;
	generatorUtilization: number;
	generatorCores: number;
	serverCores: number;
}

export interface SaturationResult {
	clients: number;
	senders: number;
	window: number;
	durationMs: number;
	rounds: SaturationRound[];
	summary: Partial<
		Record<
			TargetName,
			{
				deliveriesPerSecond: number;
				sendsPerSecond: number;
				p99Ms: number;
				lost: number;
				duplicated: number;
				generatorUtilizationMax: number;
				generatorCoresMedian: number;
				serverCoresMedian: number;
			}
		>
	>;
}

const BIN_MS = 100;

export async function saturation(ctx: Context): Promise<SaturationResult> {
	const { clients, senders, window, durationMs, warmupMs } = ctx.options.saturation;
	const group = (t: string) => `sat-${t}-${ctx.runId}`;
	for (const target of ctx.targets) {
		await ctx.pool.connect(group(target.name), target.wsUrl(group(target.name)), clients);
		await ctx.pool.settle();
	}
	const mode = { kind: "flood", window, durationMs } as const;
	const phaseOpts = { drainMs: ctx.options.drainMs, binMs: BIN_MS };
	const rounds = await alternate(ctx, ctx.options.rounds, async (target, round) => {
		const run = await runPhase(ctx.pool, target, group(target.name), senders, mode, phaseOpts);
		for (const p of phaseProblems(run)) ctx.problems.push(`saturation ${target.name}: ${p}`);
		// Bins from the end of the warm-up to the end of sending: what the room sustains, not its start or its drain.
		const first = Math.ceil(warmupMs / BIN_MS);
		const last = Math.floor(durationMs / BIN_MS);
		const steady = run.bins.slice(first, last).reduce((a, b) => a + b, 0);
		const row = {
			sent: run.sent,
			sendsPerSecond: run.sent / run.sendSeconds,
			deliveriesPerSecond: steady / (((last - first) * BIN_MS) / 1000),
			...percentiles(run.histogram),
			lost: run.lost,
			duplicated: run.duplicated,
			generatorUtilization: run.maxUtilization,
			generatorCores: run.generatorCores,
			serverCores: run.serverCores,
		};
		ctx.log(
			`  round ${round + 1} ${target.name}: ${Math.round(row.deliveriesPerSecond)} deliveries/s, ${Math.round(row.sendsPerSecond)} sends/s, p99 ${row.p99Ms} ms, lost ${row.lost}, generator ELU ${row.generatorUtilization.toFixed(2)} (${row.generatorCores.toFixed(2)} cores), server ${row.serverCores.toFixed(2)} cores`,
		);
		return row;
	});
	for (const target of ctx.targets) await ctx.pool.close(group(target.name));
	const summary: SaturationResult["summary"] = {};
	for (const target of ctx.targets) {
		const mine = byTarget(rounds, target.name);
		summary[target.name] = {
			deliveriesPerSecond: median(mine.map((r) => r.deliveriesPerSecond)),
			sendsPerSecond: median(mine.map((r) => r.sendsPerSecond)),
			p99Ms: median(mine.map((r) => r.p99Ms)),
			lost: mine.reduce((a, r) => a + r.lost, 0),
			duplicated: mine.reduce((a, r) => a + r.duplicated, 0),
			generatorUtilizationMax: Math.max(...mine.map((r) => r.generatorUtilization)),
			generatorCoresMedian: median(mine.map((r) => r.generatorCores)),
			serverCoresMedian: median(mine.map((r) => r.serverCores)),
		};
	}
	return { clients, senders, window, durationMs, rounds, summary };
}
