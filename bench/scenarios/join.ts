/**
 * Join: the time from a socket's open to its welcome (the history page)
 * arriving, in an empty room and in a room holding many messages. Samples
 * are one socket at a time from this thread. Every sample joins as the same
 * person, so that the room's history stays what it was filled with (a
 * returning person's join writes no "joined" line).
 */
import type WebSocket from "ws";
import { nowUs } from "../lib/clock.ts";
import { newHistogram, percentiles, recordUs } from "../lib/histogram.ts";
import { median } from "../lib/stats.ts";
import { closeSocket, isAck, join, openSocket, sendFrame } from "../load/wire.ts";
import type { Target, TargetName } from "../targets.ts";
import { alternate, byTarget, type Context, timed } from "./context.ts";

export interface JoinRound {
	target: TargetName;
	round: number;
	emptyP50Ms: number;
	emptyP99Ms: number;
	fullP50Ms: number;
	fullP99Ms: number;
	/** Messages in the welcome from the full room (a page, not the whole history). */
	fullPageSize: number;
}

export interface JoinResult {
	historySize: number;
	samples: number;
	/** Seconds it took to fill the room, per target. */
	fillSeconds: Partial<Record<TargetName, number>>;
	rounds: JoinRound[];
	summary: Partial<Record<TargetName, { emptyP50Ms: number; fullP50Ms: number; fullP99Ms: number }>>;
}

const SAMPLE_NAME = "joiner";
const SAMPLE_USER = "bench-joiner";
/** Sends in flight while filling: enough to keep the server busy, few enough not to flood its queue. */
const FILL_WINDOW = 100;

export async function joinTime(ctx: Context): Promise<JoinResult> {
	const { historySize, samples } = ctx.options.join;
	const rooms = (t: string) => ({ empty: `empty-${t}-${ctx.runId}`, full: `full-${t}-${ctx.runId}` });
	const fillSeconds: JoinResult["fillSeconds"] = {};
	for (const target of ctx.targets) {
		const { empty, full } = rooms(target.name);
		const { seconds } = await timed(() => fill(target.wsUrl(full), historySize));
		fillSeconds[target.name] = seconds;
		ctx.log(`  ${target.name}: ${historySize} messages stored in ${seconds.toFixed(1)} s`);
		// The sample person's first join announces them; every later one is a return.
		for (const room of [empty, full]) await sampleJoin(target, room);
	}
	const rounds = await alternate(ctx, ctx.options.rounds, async (target, round) => {
		const { empty, full } = rooms(target.name);
		const emptyH = newHistogram();
		const fullH = newHistogram();
		let fullPageSize = 0;
		for (let i = 0; i < samples; i++) {
			recordUs(emptyH, (await sampleJoin(target, empty)).us);
			const sample = await sampleJoin(target, full);
			recordUs(fullH, sample.us);
			fullPageSize = sample.pageSize;
		}
		const e = percentiles(emptyH);
		const f = percentiles(fullH);
		ctx.log(
			`  round ${round + 1} ${target.name}: empty room p50 ${e.p50Ms} ms, p99 ${e.p99Ms} ms; ${historySize} messages p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms (page of ${fullPageSize})`,
		);
		return {
			emptyP50Ms: e.p50Ms,
			emptyP99Ms: e.p99Ms,
			fullP50Ms: f.p50Ms,
			fullP99Ms: f.p99Ms,
			fullPageSize,
		};
	});
	const summary: JoinResult["summary"] = {};
	for (const target of ctx.targets) {
		const mine = byTarget(rounds, target.name);
		summary[target.name] = {
			emptyP50Ms: median(mine.map((r) => r.emptyP50Ms)),
			fullP50Ms: median(mine.map((r) => r.fullP50Ms)),
			fullP99Ms: median(mine.map((r) => r.fullP99Ms)),
		};
	}
	return { historySize, samples, fillSeconds, rounds, summary };
}

/** One join, timed from the socket's open to the welcome. */
async function sampleJoin(target: Target, room: string): Promise<{ us: number; pageSize: number }> {
	const ws = await openSocket(target.wsUrl(room));
	const t0 = nowUs();
	const welcome = await join(ws, SAMPLE_NAME, SAMPLE_USER);
	const us = nowUs() - t0;
	await closeSocket(ws);
	const pageSize = (JSON.parse(welcome) as { messages: unknown[] }).messages.length;
	return { us, pageSize };
}

/** Stores `count` messages in a room through one socket, `FILL_WINDOW` unacknowledged at a time. */
async function fill(url: string, count: number): Promise<void> {
	const ws: WebSocket = await openSocket(url);
	await join(ws, "filler", "bench-filler");
	await new Promise<void>((resolve, reject) => {
		let sent = 0;
		let acked = 0;
		const timer = setTimeout(() => reject(new Error(`room not filled after 120 s (${acked} of ${count})`)), 120_000);
		const next = () => {
			if (sent < count) ws.send(sendFrame(0, 0, sent++, nowUs()));
		};
		ws.on("message", (data) => {
			if (!isAck(String(data))) return;
			acked++;
			if (acked === count) {
				clearTimeout(timer);
				resolve();
			} else next();
		});
		for (let i = 0; i < FILL_WINDOW; i++) next();
	});
	await closeSocket(ws);
}
