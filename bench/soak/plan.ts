/**
 * The drill's schedule, drawn from its seed before anything runs, so that a
 * run replays: when the server is killed, and which client drops when, how,
 * and for how long. (When each client writes is drawn by the client's own
 * stream as it goes; the network's timing is the machine's.)
 */
import type { Random } from "../lib/random.ts";
import type { DropKind } from "./client.ts";
import type { SoakOptions } from "./options.ts";

export interface Drop {
	/** ms after the chat began. */
	at: number;
	client: number;
	how: DropKind;
	awayMs: number;
}

export interface Plan {
	/** ms after the chat began: one SIGKILL in each killEveryMs, 5 s either side of 5 s before its middle. */
	kills: number[];
	drops: Drop[];
}

export function planSoak(options: SoakOptions, random: Random): Plan {
	const kills: number[] = [];
	for (let k = 0; options.killEveryMs * (k + 0.5) < options.durationMs; k++) {
		kills.push(Math.round(options.killEveryMs * (k + 0.5) - 5000 + random.between(-5000, 5000)));
	}
	const drops: Drop[] = [];
	const maxDrops = Math.floor(options.durationMs / 1000);
	// None in the last 5 s: every client is back through its own backoff during the settle anyway.
	for (let at = random.between(0.5, 1.5) * options.dropEveryMs; at < options.durationMs - 5000; ) {
		if (drops.length >= maxDrops) break;
		drops.push({
			at: Math.round(at),
			client: random.below(options.clients),
			how: (["terminate", "close", "after-send"] as const)[random.below(3)] ?? "terminate",
			awayMs: Math.round(random.between(0, options.awayMaxMs)),
		});
		at += random.between(0.5, 1.5) * options.dropEveryMs;
	}
	return { kills, drops };
}
