/**
 * One measured phase on one group of clients: arm the receivers, send,
 * wait for the stragglers, collect. Around the sending it reads what the
 * generator (this process, all threads) and the server spent in CPU, so each
 * result says whether the generator or the server was the busy one.
 */
import { nowUs } from "../lib/clock.ts";
import { cpuSeconds } from "../lib/proc.ts";
import type { ReactResult, SendMode } from "../load/messages.ts";
import type { LoadPool, PhaseResult } from "../load/pool.ts";
import type { Target } from "../targets.ts";

export interface PhaseRun extends PhaseResult {
	sent: number;
	unacked: number;
	/** How late the sender's schedule ran at worst, ms. */
	scheduleLagMaxMs: number;
	/** Wall time of the sending, s. */
	sendSeconds: number;
	/** CPU cores the generator process used while sending (all its threads). */
	generatorCores: number;
	/** CPU cores the server's processes used while sending. */
	serverCores: number;
	/** What was sent alongside the messages (reactions), if anything. */
	reactions?: ReactResult;
}

let nextPhase = 1;

export async function runPhase(
	pool: LoadPool,
	target: Target,
	group: string,
	senders: number,
	mode: SendMode,
	opts: {
		drainMs: number;
		binMs: number;
		/** Started with the sending, for the same time: reactions from another client. */
		alongside?: (phase: number) => Promise<ReactResult>;
	},
): Promise<PhaseRun> {
	const phase = nextPhase++;
	const startUs = nowUs();
	await pool.arm(group, phase, startUs);
	const pids = target.serverPids();
	const generator0 = process.cpuUsage();
	const server0 = cpuSeconds(pids);
	const t0 = nowUs();
	const [{ sent, unacked, scheduleLagMaxMs }, reactions] = await Promise.all([
		pool.send(group, phase, senders, mode),
		opts.alongside?.(phase),
	]);
	await pool.mark(group);
	const seconds = (nowUs() - t0) / 1e6;
	const generator = process.cpuUsage(generator0);
	const server = cpuSeconds(pids) - server0;
	const total = sent.reduce((a, b) => a + b, 0);
	const reactionLines = reactions ? (reactions.sent - reactions.unacked) * pool.size(group) : 0;
	await pool.drain(group, total * pool.size(group) + reactionLines, opts.drainMs);
	const result = await pool.collect(group, sent, opts.binMs);
	return {
		...result,
		sent: total,
		unacked,
		scheduleLagMaxMs,
		sendSeconds: seconds,
		generatorCores: (generator.user + generator.system) / 1e6 / seconds,
		serverCores: server / seconds,
		...(reactions && { reactions }),
	};
}

/** Whether a phase lost, duplicated or was refused anything: the bench's definition of broken. */
export function phaseProblems(run: PhaseRun): string[] {
	const problems: string[] = [];
	if (run.sent === 0) problems.push("nothing was sent");
	if (run.lost > 0) problems.push(`${run.lost} deliveries lost`);
	if (run.duplicated > 0) problems.push(`${run.duplicated} deliveries duplicated`);
	if (run.unacked > 0) problems.push(`${run.unacked} sends never acknowledged`);
	if (run.reactions && run.reactions.unacked > 0)
		problems.push(`${run.reactions.unacked} reactions never acknowledged`);
	if (run.errors > 0) problems.push(`${run.errors} error frames (first: ${run.firstError})`);
	if (run.unexpectedCloses > 0) problems.push(`${run.unexpectedCloses} sockets closed by the server`);
	return problems;
}
