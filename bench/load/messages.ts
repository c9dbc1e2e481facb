/**
 * The messages between the bench's main thread and its load-generator worker
 * threads: commands in, one reply per command out.
 */

export interface ClientSpec {
	/** Index of the client in its group, across all threads. */
	index: number;
	name: string;
	user: string;
}

export type SendMode =
	/** One message every 1/perSecond s on a fixed schedule. */
	| { kind: "rate"; perSecond: number; durationMs: number }
	/** Keep `window` sends unacknowledged per sender, for `durationMs`: as fast as the server accepts. */
	| { kind: "flood"; window: number; durationMs: number };

export interface SenderSpec {
	/** Which client of the group sends. */
	client: number;
	/** The sender's number in message texts, 0..senders-1. */
	sender: number;
}

export type Command =
	| { op: "connect"; group: string; url: string; clients: ClientSpec[]; concurrency: number; join: boolean }
	| { op: "join"; group: string; concurrency: number }
	| { op: "frames" }
	| { op: "arm"; group: string; phase: number; startUs: number }
	| { op: "send"; group: string; phase: number; senders: SenderSpec[]; mode: SendMode }
	| { op: "react"; group: string; phase: number; client: number; perSecond: number; durationMs: number }
	| { op: "mark"; group: string }
	| { op: "progress"; group: string }
	| { op: "collect"; group: string; sent: number[]; binMs: number }
	| { op: "close"; group: string };

export interface SendResult {
	/** Messages sent, by sender number. */
	sent: Record<number, number>;
	unacked: number;
	/** How late the fixed schedule ran at worst, ms (rate mode). */
	scheduleLagMaxMs: number;
}

export interface ReactResult {
	/** Reactions sent, and how many of them the room never acknowledged. */
	sent: number;
	unacked: number;
}

export interface CollectResult {
	histogram: string;
	delivered: number;
	lost: number;
	duplicated: number;
	/** Deliveries from an earlier phase that arrived late: not counted, reported. */
	stale: number;
	/** Reaction lines received (Hashzap only). */
	reactionLines: number;
	errors: number;
	firstError?: string;
	unexpectedCloses: number;
	/** Deliveries per bin of `binMs` since the phase's start. */
	bins: number[];
	/** This thread's event-loop utilization (0-1) between arm and mark. */
	utilization: number;
	/** This thread's event-loop delay between arm and mark, ms. */
	delayP99Ms: number;
	delayMaxMs: number;
}

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
