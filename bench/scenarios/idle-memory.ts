/**
 * Idle memory: what a silent socket costs the server, read from the
 * server's resident memory (RSS) before and after. Two numbers per round:
 * once N sockets are open, and once they have all joined (for Hashzap, each
 * join is broadcast to the whole room with the online list, so N joins send
 * O(N²) frames, whose buffers the allocator keeps). Each round starts fresh
 * servers: an allocator keeps what it freed, so a second round in the same
 * process would reuse the first one's memory and measure almost nothing.
 * The room's object is created by one socket before the baseline, so that
 * its creation is not counted.
 */
import { sleep } from "../lib/clock.ts";
import { listeningPorts, rssKib } from "../lib/proc.ts";
import { median } from "../lib/stats.ts";
import type { Target, TargetName } from "../targets.ts";
import { alternate, byTarget, type Context, timed } from "./context.ts";

export interface IdleRound {
	target: TargetName;
	round: number;
	rssBeforeKib: number;
	rssOpenKib: number;
	rssJoinedKib: number;
	/** KiB per socket once open (no join). */
	kibPerOpenSocket: number;
	/** KiB per socket once all have joined. */
	kibPerSocket: number;
	joinAllSeconds: number;
	/** RSS before / open / joined by process (Hashzap: wrangler's proxy and the worker's workerd), KiB. */
	byProcess: Record<string, [number, number, number]>;
}

export interface IdleResult {
	sockets: number;
	rounds: IdleRound[];
	summary: Partial<
		Record<TargetName, { kibPerOpenSocket: number; kibPerSocket: number; rssBeforeKib: number; joinAllSeconds: number }>
	>;
}

export async function idleMemory(ctx: Context): Promise<IdleResult> {
	const { sockets, rounds: count } = ctx.options.idle;
	const rounds = await alternate(ctx, count, async (shared, round) => {
		const target = await ctx.fresh(shared.name);
		try {
			return await measure(ctx, target, round, sockets);
		} finally {
			await target.stop();
		}
	});
	const summary: IdleResult["summary"] = {};
	for (const target of ctx.targets) {
		const mine = byTarget(rounds, target.name);
		summary[target.name] = {
			kibPerOpenSocket: median(mine.map((r) => r.kibPerOpenSocket)),
			kibPerSocket: median(mine.map((r) => r.kibPerSocket)),
			rssBeforeKib: median(mine.map((r) => r.rssBeforeKib)),
			joinAllSeconds: median(mine.map((r) => r.joinAllSeconds)),
		};
	}
	return { sockets, rounds, summary };
}

async function measure(ctx: Context, target: Target, round: number, sockets: number) {
	const group = `idle${round}-${target.name}-${ctx.runId}`;
	const url = target.wsUrl(group);
	await ctx.pool.connect(`${group}-first`, url, 1);
	await ctx.pool.settle(300);
	const processes = labelled(target);
	const before = await quietRss(ctx, processes);
	await ctx.pool.connect(group, url, sockets, { join: false });
	const open = await quietRss(ctx, processes);
	const { seconds } = await timed(() => ctx.pool.join(group));
	const joined = await quietRss(ctx, processes);
	const total = (kib: Record<string, number>) => Object.values(kib).reduce((a, b) => a + b, 0);
	const [rssBeforeKib, rssOpenKib, rssJoinedKib] = [total(before), total(open), total(joined)];
	await ctx.pool.close(group);
	await ctx.pool.close(`${group}-first`);
	await ctx.pool.settle(500);
	const row = {
		rssBeforeKib,
		rssOpenKib,
		rssJoinedKib,
		kibPerOpenSocket: (rssOpenKib - rssBeforeKib) / sockets,
		kibPerSocket: (rssJoinedKib - rssBeforeKib) / sockets,
		joinAllSeconds: seconds,
		byProcess: Object.fromEntries(
			Object.keys(before).map((label): [string, [number, number, number]] => [
				label,
				[before[label] ?? 0, open[label] ?? 0, joined[label] ?? 0],
			]),
		),
	};
	const mib = (kib: number) => Math.round(kib / 1024);
	const split = Object.entries(row.byProcess)
		.map(([label, [b, , j]]) => `${label} +${mib(j - b)} MiB`)
		.join(", ");
	ctx.log(
		`  round ${round + 1} ${target.name}: ${row.kibPerOpenSocket.toFixed(1)} KiB per open socket, ${row.kibPerSocket.toFixed(1)} joined (RSS ${mib(rssBeforeKib)} → ${mib(rssOpenKib)} → ${mib(rssJoinedKib)} MiB: ${split}); ${sockets} joined in ${seconds.toFixed(1)} s`,
	);
	return row;
}

/** The server's processes by role: for Hashzap, the one listening on the app's port is wrangler's proxy. */
function labelled(target: Target): Record<string, number> {
	const port = Number(new URL(target.httpUrl).port);
	const out: Record<string, number> = {};
	for (const pid of target.serverPids()) {
		const entry = listeningPorts([pid]).includes(port);
		const label = target.name === "floor" ? "floor" : entry === (target.name === "hashzap") ? "proxy" : "worker";
		out[label] = pid;
	}
	return out;
}

/** Each process's RSS once the sockets have been quiet a while (buffers flushed, timers run), KiB. */
async function quietRss(ctx: Context, processes: Record<string, number>): Promise<Record<string, number>> {
	await ctx.pool.settle(500);
	await sleep(1000);
	return Object.fromEntries(Object.entries(processes).map(([label, pid]) => [label, rssKib([pid])]));
}
