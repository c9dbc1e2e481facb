/**
 * What every scenario is given: the servers, the load generator, the
 * options, and a place to report problems (losses, refusals) that make the
 * run a failure. Also the A, B, A, B round loop they all share.
 */
import { nowUs } from "../lib/clock.ts";
import type { LoadPool } from "../load/pool.ts";
import type { Options } from "../options.ts";
import type { Target, TargetName } from "../targets.ts";

export interface Context {
	targets: Target[];
	pool: LoadPool;
	options: Options;
	/** Unique per run, so rooms never carry state from an earlier run on the same server. */
	runId: string;
	problems: string[];
	log(line: string): void;
	/** Starts a new server of this kind, for a scenario that needs fresh processes; the caller stops it. */
	fresh(name: TargetName): Promise<Target>;
}

/** Rounds of every target in turn (A, B, A, B...): slow drifts of a noisy machine hit both alike. */
export async function alternate<T>(
	ctx: Context,
	rounds: number,
	fn: (target: Target, round: number) => Promise<T>,
): Promise<(T & { target: TargetName; round: number })[]> {
	const out: (T & { target: TargetName; round: number })[] = [];
	for (let round = 0; round < rounds; round++) {
		for (const target of ctx.targets) {
			out.push({ ...(await fn(target, round)), target: target.name, round });
		}
	}
	return out;
}

export function byTarget<T extends { target: TargetName }>(rows: T[], name: TargetName): T[] {
	return rows.filter((r) => r.target === name);
}

/** Seconds a promise took. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
	const t0 = nowUs();
	const value = await fn();
	return { value, seconds: (nowUs() - t0) / 1e6 };
}
