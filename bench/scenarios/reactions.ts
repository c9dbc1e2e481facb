/**
 * Reactions in a busy room (issue #13): 100 clients, one sending 100
 * messages/s while another reacts 50 times a second to the newest message it
 * has seen. Message delivery is timed as in the latency scenario, in rounds
 * that alternate a plain phase (messages only) and a phase with reactions on
 * the same clients, so the two sit side by side under the same conditions.
 * Every reaction line is counted at every client: each must reach all of
 * them. Hashzap only: the floor knows no reactions.
 */
import { type Percentiles, percentiles } from "../lib/histogram.ts";
import { median } from "../lib/stats.ts";
import type { Target } from "../targets.ts";
import { type Context, timed } from "./context.ts";
import { type PhaseRun, phaseProblems, runPhase } from "./phase.ts";

/**
 * The protocol version the clients say they speak: reaction lines go only to pages of
 * CHANGES_VERSION or newer (protocol/frames.ts; the bench imports nothing of the app's).
 */
const CHANGES_VERSION = 5;

export interface ReactionsRound extends Percentiles {
	round: number;
	withReactions: boolean;
	sent: number;
	reactionsSent: number;
	/** Reaction lines received, over all clients, and how many were expected (reactions × clients). */
	reactionLines: number;
	reactionLinesExpected: number;
	serverCores: number;
	generatorUtilization: number;
}

export interface ReactionsSummary {
	p50Ms: number;
	p99Ms: number;
	maxMs: number;
	serverCoresMedian: number;
}

export interface ReactionsResult {
	clients: number;
	perSecond: number;
	reactionsPerSecond: number;
	durationMs: number;
	joinAllSeconds: number;
	rounds: ReactionsRound[];
	plain: ReactionsSummary;
	withReactions: ReactionsSummary;
}

export async function reactions(ctx: Context): Promise<ReactionsResult> {
	const { clients, perSecond, reactionsPerSecond, durationMs } = ctx.options.reactions;
	const target = ctx.targets.find((t) => t.name === "hashzap") as Target;
	const group = `react-${ctx.runId}`;
	const { seconds: joinAllSeconds } = await timed(() =>
		ctx.pool.connect(group, `${target.wsUrl(group)}?v=${CHANGES_VERSION}`, clients),
	);
	await ctx.pool.settle();
	ctx.log(`  ${clients} clients joined in ${joinAllSeconds.toFixed(1)} s`);
	const mode = { kind: "rate", perSecond, durationMs } as const;
	// Client 0 sends; client 1 reacts.
	const reacting = (ms: number) => (phase: number) => ctx.pool.react(group, phase, 1, reactionsPerSecond, ms);
	const phase = (withReactions: boolean, ms = durationMs) =>
		runPhase(
			ctx.pool,
			target,
			group,
			1,
			{ ...mode, durationMs: ms },
			{
				drainMs: ctx.options.drainMs,
				binMs: 100,
				...(withReactions && { alongside: reacting(ms) }),
			},
		);
	// Unmeasured warm-up of both kinds.
	await phase(false, 500);
	await phase(true, 500);
	const rounds: ReactionsRound[] = [];
	for (let round = 0; round < ctx.options.rounds; round++) {
		// Alternating which goes first, so that a drift of the machine hits both alike.
		const order = round % 2 === 0 ? [false, true] : [true, false];
		for (const withReactions of order) {
			const run = await phase(withReactions);
			const row = toRow(run, round, withReactions, clients);
			for (const p of phaseProblems(run)) ctx.problems.push(`reactions ${withReactions ? "on" : "off"}: ${p}`);
			if (row.reactionLines !== row.reactionLinesExpected) {
				ctx.problems.push(
					`reactions: ${row.reactionLines} reaction lines received, ${row.reactionLinesExpected} expected`,
				);
			}
			ctx.log(
				`  round ${round + 1} ${withReactions ? "with reactions" : "plain"}: ${row.sent} sent${withReactions ? ` + ${row.reactionsSent} reactions (${row.reactionLines} lines received)` : ""}, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, max ${row.maxMs} ms, server ${row.serverCores.toFixed(2)} cores`,
			);
			rounds.push(row);
		}
	}
	await ctx.pool.close(group);
	const summary = (withReactions: boolean): ReactionsSummary => {
		const mine = rounds.filter((r) => r.withReactions === withReactions);
		return {
			p50Ms: median(mine.map((r) => r.p50Ms)),
			p99Ms: median(mine.map((r) => r.p99Ms)),
			maxMs: median(mine.map((r) => r.maxMs)),
			serverCoresMedian: median(mine.map((r) => r.serverCores)),
		};
	};
	return {
		clients,
		perSecond,
		reactionsPerSecond,
		durationMs,
		joinAllSeconds,
		rounds,
		plain: summary(false),
		withReactions: summary(true),
	};
}

function toRow(run: PhaseRun, round: number, withReactions: boolean, clients: number): ReactionsRound {
	const reactionsSent = run.reactions?.sent ?? 0;
	return {
		...percentiles(run.histogram),
		round,
		withReactions,
		sent: run.sent,
		reactionsSent,
		reactionLines: run.reactionLines,
		reactionLinesExpected: reactionsSent * clients,
		serverCores: run.serverCores,
		generatorUtilization: run.maxUtilization,
	};
}
