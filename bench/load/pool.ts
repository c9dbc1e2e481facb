/**
 * The main thread's handle on the load generator: a few worker threads that
 * share a group's clients (client i lives in thread i mod threads), so that
 * receiving is spread over cores and the main thread stays free to keep time.
 */
import { Worker } from "node:worker_threads";
import { sleep } from "../lib/clock.ts";
import type { Histogram } from "../lib/histogram.ts";
import { merge } from "../lib/histogram.ts";
import type { ClientSpec, CollectResult, Command, ReactResult, Reply, SendMode, SendResult } from "./messages.ts";
import { userKey } from "./wire.ts";

/** What every thread collected for a phase, summed: one histogram; the busiest thread's load and the worst delays. */
export interface PhaseResult extends Omit<CollectResult, "histogram" | "utilization"> {
	histogram: Histogram;
	/** The busiest thread's event-loop utilization while sending (0-1). */
	maxUtilization: number;
}

export class LoadPool {
	readonly #workers: Worker[];
	readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
	readonly #sizes = new Map<string, number>();
	#nextId = 0;
	/** Numbers clients across all groups, so that names and user keys never collide in a shared room. */
	#nextClient = 0;

	constructor(threads: number) {
		this.#workers = Array.from({ length: threads }, () => {
			const worker = new Worker(new URL("./worker.ts", import.meta.url));
			worker.on("message", (reply: Reply) => {
				const pending = this.#pending.get(reply.id);
				this.#pending.delete(reply.id);
				if (reply.ok) pending?.resolve(reply.value);
				else pending?.reject(new Error(reply.error));
			});
			worker.on("error", (e) => {
				for (const p of this.#pending.values()) p.reject(e);
				this.#pending.clear();
			});
			return worker;
		});
	}

	get threads(): number {
		return this.#workers.length;
	}

	#ask<T>(worker: Worker, command: Command): Promise<T> {
		const id = this.#nextId++;
		return new Promise<T>((resolve, reject) => {
			this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
			worker.postMessage({ id, command });
		});
	}

	#all<T>(command: Command): Promise<T[]> {
		return Promise.all(this.#workers.map((w) => this.#ask<T>(w, command)));
	}

	#threadOf(client: number): Worker {
		return this.#workers[client % this.#workers.length] as Worker;
	}

	/**
	 * Opens `count` sockets to `url` and joins each with a unique name;
	 * resolves once every one is welcomed (or open, with `join: false`).
	 */
	async connect(group: string, url: string, count: number, { join = true, concurrency = 16 } = {}): Promise<void> {
		const specs: ClientSpec[][] = this.#workers.map(() => []);
		for (let i = 0; i < count; i++) {
			const n = this.#nextClient++;
			// Short names: the room allows 32 characters.
			specs[i % this.#workers.length]?.push({ index: i, name: `b${n}`, user: userKey("bench", n) });
		}
		const per = Math.max(1, Math.ceil(concurrency / this.#workers.length));
		await Promise.all(
			this.#workers.map((w, t) =>
				this.#ask(w, { op: "connect", group, url, clients: specs[t] ?? [], concurrency: per, join }),
			),
		);
		this.#sizes.set(group, count);
	}

	/** Joins every socket of the group that is open but not joined yet. */
	async join(group: string, concurrency = 16): Promise<void> {
		const per = Math.max(1, Math.ceil(concurrency / this.#workers.length));
		await this.#all({ op: "join", group, concurrency: per });
	}

	size(group: string): number {
		return this.#sizes.get(group) ?? 0;
	}

	/** Waits until no socket has received a frame for `quietMs` (the joins' broadcasts are over). */
	async settle(quietMs = 300, timeoutMs = 60_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		let last = -1;
		let quietSince = Date.now();
		while (Date.now() < deadline) {
			const frames = (await this.#all<number>({ op: "frames" })).reduce((a, b) => a + b, 0);
			if (frames !== last) {
				last = frames;
				quietSince = Date.now();
			} else if (Date.now() - quietSince >= quietMs) return;
			await sleep(50);
		}
		throw new Error(`sockets still receiving after ${timeoutMs} ms`);
	}

	async arm(group: string, phase: number, startUs: number): Promise<void> {
		await this.#all({ op: "arm", group, phase, startUs });
	}

	/** Sends from clients 0..senders-1 of the group; resolves with the messages each sender sent. */
	async send(
		group: string,
		phase: number,
		senders: number,
		mode: SendMode,
	): Promise<{ sent: number[]; unacked: number; scheduleLagMaxMs: number }> {
		const bySender = await Promise.all(
			Array.from({ length: senders }, (_, sender) =>
				this.#ask<SendResult>(this.#threadOf(sender), {
					op: "send",
					group,
					phase,
					senders: [{ client: sender, sender }],
					mode,
				}),
			),
		);
		const sent = bySender.map((r, sender) => r.sent[sender] ?? 0);
		return {
			sent,
			unacked: bySender.reduce((a, r) => a + r.unacked, 0),
			scheduleLagMaxMs: Math.max(...bySender.map((r) => r.scheduleLagMaxMs)),
		};
	}

	/** Reactions from client `client` of the group, to the newest bench message it has seen (Hashzap only). */
	async react(
		group: string,
		phase: number,
		client: number,
		perSecond: number,
		durationMs: number,
	): Promise<ReactResult> {
		return this.#ask<ReactResult>(this.#threadOf(client), { op: "react", group, phase, client, perSecond, durationMs });
	}

	async mark(group: string): Promise<void> {
		await this.#all({ op: "mark", group });
	}

	/** Waits until `expected` deliveries arrived (or the timeout: what is missing then is lost). */
	async drain(group: string, expected: number, timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const delivered = (await this.#all<number>({ op: "progress", group })).reduce((a, b) => a + b, 0);
			if (delivered >= expected) return;
			await sleep(50);
		}
	}

	async collect(group: string, sent: number[], binMs: number): Promise<PhaseResult> {
		const parts = await this.#all<CollectResult>({ op: "collect", group, sent, binMs });
		const bins: number[] = [];
		for (const p of parts) {
			p.bins.forEach((n, i) => {
				bins[i] = (bins[i] ?? 0) + n;
			});
		}
		const firstError = parts.find((p) => p.firstError)?.firstError;
		return {
			histogram: merge(parts.map((p) => p.histogram)),
			delivered: sum(parts.map((p) => p.delivered)),
			lost: sum(parts.map((p) => p.lost)),
			duplicated: sum(parts.map((p) => p.duplicated)),
			stale: sum(parts.map((p) => p.stale)),
			reactionLines: sum(parts.map((p) => p.reactionLines)),
			errors: sum(parts.map((p) => p.errors)),
			unexpectedCloses: sum(parts.map((p) => p.unexpectedCloses)),
			bins: Array.from(bins, (n) => n ?? 0),
			maxUtilization: Math.max(...parts.map((p) => p.utilization)),
			delayP99Ms: Math.max(...parts.map((p) => p.delayP99Ms)),
			delayMaxMs: Math.max(...parts.map((p) => p.delayMaxMs)),
			...(firstError !== undefined && { firstError }),
		};
	}

	async close(group: string): Promise<void> {
		await this.#all({ op: "close", group });
		this.#sizes.delete(group);
	}

	async stop(): Promise<void> {
		await Promise.all(this.#workers.map((w) => w.terminate()));
	}
}

function sum(values: number[]): number {
	return values.reduce((a, b) => a + b, 0);
}
