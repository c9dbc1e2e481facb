/**
 * A load-generator thread: holds its share of a group's sockets, sends on a
 * schedule or as fast as acks come back, and records every delivery (latency
 * into a histogram, plus counts per message to find losses and duplicates).
 * The main thread drives it with the commands in messages.ts.
 */
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parentPort } from "node:worker_threads";
import type WebSocket from "ws";
import { nowUs } from "../lib/clock.ts";
import { encode, type Histogram, newHistogram, recordUs } from "../lib/histogram.ts";
import type {
	ClientSpec,
	CollectResult,
	Command,
	ReactResult,
	Reply,
	SenderSpec,
	SendMode,
	SendResult,
} from "./messages.ts";
import {
	closeSocket,
	isAck,
	isError,
	isReactAck,
	join,
	lastSeqOf,
	openSocket,
	reactFrame,
	reactionLinesIn,
	readDeliveries,
	sendFrame,
} from "./wire.ts";

interface Client {
	index: number;
	spec: ClientSpec;
	joined: boolean;
	ws: WebSocket;
	/** Per sender, how many times each of its messages arrived here. */
	counts: Uint8Array[];
	onAck?: () => void;
	/** Once this client has reacted: the newest bench message it has seen, and its reactions acknowledged. */
	reacting?: { latestSeq: number | undefined; acked: number };
}

interface Phase {
	id: number;
	startUs: number;
	histogram: Histogram;
	delivered: number;
	stale: number;
	reactionLines: number;
	/** Deliveries per 10 ms since startUs; summed into coarser bins on collect. */
	bins: number[];
	elu: EventLoopUtilization;
	eluAtMark?: EventLoopUtilization;
	delay: ReturnType<typeof monitorEventLoopDelay>;
}

interface Group {
	clients: Map<number, Client>;
	phase?: Phase;
	errors: number;
	firstError?: string;
	unexpectedCloses: number;
}

const FINE_BIN_US = 10_000;
const groups = new Map<string, Group>();
let framesReceived = 0;

function groupOf(name: string): Group {
	let group = groups.get(name);
	if (!group) {
		group = { clients: new Map(), errors: 0, unexpectedCloses: 0 };
		groups.set(name, group);
	}
	return group;
}

/** The hot path: every frame every socket receives. */
function onFrame(group: Group, client: Client, data: WebSocket.RawData): void {
	framesReceived++;
	const frame = String(data);
	const deliveries = readDeliveries(frame);
	for (const delivery of deliveries) {
		const phase = group.phase;
		if (!phase || delivery.phase !== phase.id) {
			if (phase) phase.stale++;
			continue;
		}
		const now = nowUs();
		recordUs(phase.histogram, now - delivery.sentUs);
		phase.delivered++;
		const bin = Math.floor((now - phase.startUs) / FINE_BIN_US);
		if (bin >= 0) phase.bins[bin] = (phase.bins[bin] ?? 0) + 1;
		let counts = client.counts[delivery.sender];
		if (!counts || delivery.index >= counts.length) {
			const grown = new Uint8Array(Math.max(1024, (delivery.index + 1) * 2));
			if (counts) grown.set(counts);
			counts = grown;
			client.counts[delivery.sender] = counts;
		}
		if (counts[delivery.index] !== 255) counts[delivery.index] = (counts[delivery.index] ?? 0) + 1;
	}
	// A batch may hold both messages and reactions.
	if (group.phase && frame.startsWith('{"type":"message')) group.phase.reactionLines += reactionLinesIn(frame);
	if (deliveries.length > 0) {
		if (client.reacting) client.reacting.latestSeq = lastSeqOf(frame) ?? client.reacting.latestSeq;
		return;
	}
	if (isReactAck(frame)) {
		if (client.reacting) client.reacting.acked++;
	} else if (isAck(frame)) client.onAck?.();
	else if (isError(frame)) {
		group.errors++;
		group.firstError ??= frame;
	}
}

/** Opens the sockets (and joins each, unless `joinToo` is false), `concurrency` at a time. */
async function connect(
	name: string,
	url: string,
	specs: ClientSpec[],
	concurrency: number,
	joinToo: boolean,
): Promise<number> {
	const group = groupOf(name);
	await inLanes(specs, concurrency, async (spec) => {
		const ws = await openSocket(url);
		const client: Client = { index: spec.index, spec, joined: false, ws, counts: [] };
		ws.on("message", (data) => onFrame(group, client, data));
		ws.on("close", () => {
			if (group.clients.get(spec.index) === client) group.unexpectedCloses++;
		});
		group.clients.set(spec.index, client);
		if (joinToo) await joinClient(client);
	});
	return group.clients.size;
}

async function joinClient(client: Client): Promise<void> {
	await join(client.ws, client.spec.name, client.spec.user);
	client.joined = true;
}

async function joinAll(name: string, concurrency: number): Promise<void> {
	const waiting = [...groupOf(name).clients.values()].filter((c) => !c.joined);
	await inLanes(waiting, concurrency, joinClient);
}

async function inLanes<T>(items: T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	const lane = async () => {
		while (next < items.length) await fn(items[next++] as T);
	};
	await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}

function arm(name: string, id: number, startUs: number): void {
	const group = groupOf(name);
	for (const client of group.clients.values()) client.counts = [];
	const delay = monitorEventLoopDelay({ resolution: 5 });
	delay.enable();
	group.phase = {
		id,
		startUs,
		histogram: newHistogram(),
		delivered: 0,
		stale: 0,
		reactionLines: 0,
		bins: [],
		elu: performance.eventLoopUtilization(),
		delay,
	};
}

function send(name: string, phase: number, senders: SenderSpec[], mode: SendMode): Promise<SendResult> {
	const group = groupOf(name);
	const sent: Record<number, number> = {};
	const lag = { maxUs: 0 };
	const runs = senders.map((spec) => {
		const client = group.clients.get(spec.client);
		if (!client) throw new Error(`no client ${spec.client} in this thread`);
		sent[spec.sender] = 0;
		const emit = (sentUs: number) => {
			const index = sent[spec.sender] as number;
			client.ws.send(sendFrame(phase, spec.sender, index, sentUs));
			sent[spec.sender] = index + 1;
		};
		return mode.kind === "rate" ? sendAtRate(emit, mode.perSecond, mode.durationMs, lag) : flood(client, emit, mode);
	});
	return Promise.all(runs).then((left) => ({
		sent,
		unacked: left.reduce((a, b) => a + b, 0),
		scheduleLagMaxMs: lag.maxUs / 1000,
	}));
}

/**
 * Sends on a fixed schedule; a late timer sends every message that is due.
 * Each is stamped with when it really left, not when it was due: timers run
 * up to a millisecond late, which would add a constant to the floor's small
 * numbers. How late the schedule ran is reported instead (scheduleLagMaxMs).
 */
function sendAtRate(emit: (sentUs: number) => void, perSecond: number, durationMs: number, lag: { maxUs: number }) {
	const total = Math.max(1, Math.round((perSecond * durationMs) / 1000));
	const everyUs = 1e6 / perSecond;
	const startUs = nowUs();
	let index = 0;
	return new Promise<number>((resolve) => {
		const tick = () => {
			const now = nowUs();
			while (index < total && startUs + index * everyUs <= now) {
				lag.maxUs = Math.max(lag.maxUs, now - (startUs + index * everyUs));
				emit(nowUs());
				index++;
			}
			if (index >= total) resolve(0);
			else setTimeout(tick, Math.max(0, (startUs + index * everyUs - nowUs()) / 1000));
		};
		tick();
	});
}

/** Keeps `window` sends in flight until the time is up; resolves with how many were never acknowledged. */
function flood(client: Client, emit: (sentUs: number) => void, mode: { window: number; durationMs: number }) {
	const endUs = nowUs() + mode.durationMs * 1000;
	let inFlight = 0;
	return new Promise<number>((resolve) => {
		const giveUp = setTimeout(() => finish(), mode.durationMs + 10_000);
		const finish = () => {
			clearTimeout(giveUp);
			client.onAck = undefined;
			resolve(inFlight);
		};
		client.onAck = () => {
			inFlight--;
			if (nowUs() < endUs) {
				emit(nowUs());
				inFlight++;
			} else if (inFlight === 0) finish();
		};
		for (let i = 0; i < mode.window; i++) {
			emit(nowUs());
			inFlight++;
		}
	});
}

const EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"];

/**
 * Reactions on a fixed schedule, each to the newest bench message this client
 * has seen, with the next of the eight emoji: never the same emoji twice on
 * one message, so each one changes the message and is broadcast. Resolves once
 * the room has acknowledged them all (or a while after the schedule ends).
 */
function react(
	name: string,
	phase: number,
	index: number,
	perSecond: number,
	durationMs: number,
): Promise<ReactResult> {
	const client = groupOf(name).clients.get(index);
	if (!client) throw new Error(`no client ${index} in this thread`);
	// Kept from an earlier phase: the newest message seen then is a target from the first tick on.
	const state = client.reacting ?? { latestSeq: undefined, acked: 0 };
	state.acked = 0;
	client.reacting = state;
	const used = new Set<string>();
	let sent = 0;
	let emoji = 0;
	const emit = () => {
		const seq = state.latestSeq;
		if (seq === undefined) return;
		for (let tries = 0; tries < EMOJI.length; tries++) {
			const e = EMOJI[emoji++ % EMOJI.length] as string;
			if (used.has(`${seq} ${e}`)) continue;
			used.add(`${seq} ${e}`);
			client.ws.send(reactFrame(phase, sent++, seq, e));
			return;
		}
	};
	return sendAtRate(emit, perSecond, durationMs, { maxUs: 0 }).then(async () => {
		const deadline = nowUs() + 10_000_000;
		while (state.acked < sent && nowUs() < deadline) await new Promise((r) => setTimeout(r, 10));
		return { sent, unacked: sent - state.acked };
	});
}

function mark(name: string): void {
	const phase = groupOf(name).phase;
	if (!phase || phase.eluAtMark) return;
	phase.eluAtMark = performance.eventLoopUtilization(phase.elu);
	phase.delay.disable();
}

function collect(name: string, sent: number[], binMs: number): CollectResult {
	const group = groupOf(name);
	const phase = group.phase;
	if (!phase) throw new Error(`group ${name} has no phase armed`);
	mark(name);
	let lost = 0;
	let duplicated = 0;
	for (const client of group.clients.values()) {
		sent.forEach((n, sender) => {
			const counts = client.counts[sender];
			for (let i = 0; i < n; i++) {
				const c = counts?.[i] ?? 0;
				if (c === 0) lost++;
				else if (c > 1) duplicated += c - 1;
			}
		});
	}
	const perBin = Math.max(1, Math.round((binMs * 1000) / FINE_BIN_US));
	const bins: number[] = [];
	phase.bins.forEach((n, i) => {
		const b = Math.floor(i / perBin);
		bins[b] = (bins[b] ?? 0) + (n ?? 0);
	});
	const result: CollectResult = {
		histogram: encode(phase.histogram),
		delivered: phase.delivered,
		lost,
		duplicated,
		stale: phase.stale,
		reactionLines: phase.reactionLines,
		errors: group.errors,
		unexpectedCloses: group.unexpectedCloses,
		bins: Array.from(bins, (n) => n ?? 0),
		utilization: phase.eluAtMark?.utilization ?? 0,
		delayP99Ms: phase.delay.percentile(99) / 1e6,
		delayMaxMs: phase.delay.max / 1e6,
		...(group.firstError !== undefined && { firstError: group.firstError }),
	};
	group.phase = undefined;
	group.errors = 0;
	group.firstError = undefined;
	return result;
}

async function close(name: string): Promise<void> {
	const group = groups.get(name);
	if (!group) return;
	groups.delete(name);
	const clients = [...group.clients.values()];
	group.clients.clear();
	await Promise.all(clients.map((c) => closeSocket(c.ws)));
}

async function handle(command: Command): Promise<unknown> {
	switch (command.op) {
		case "connect":
			return connect(command.group, command.url, command.clients, command.concurrency, command.join);
		case "join":
			return joinAll(command.group, command.concurrency);
		case "frames":
			return framesReceived;
		case "arm":
			return arm(command.group, command.phase, command.startUs);
		case "send":
			return send(command.group, command.phase, command.senders, command.mode);
		case "react":
			return react(command.group, command.phase, command.client, command.perSecond, command.durationMs);
		case "mark":
			return mark(command.group);
		case "progress":
			// Reaction lines too: a phase with reactions is over when they have all arrived as well.
			return (groupOf(command.group).phase?.delivered ?? 0) + (groupOf(command.group).phase?.reactionLines ?? 0);
		case "collect":
			return collect(command.group, command.sent, command.binMs);
		case "close":
			return close(command.group);
	}
}

parentPort?.on("message", async ({ id, command }: { id: number; command: Command }) => {
	let reply: Reply;
	try {
		reply = { id, ok: true, value: await handle(command) };
	} catch (e) {
		reply = { id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
	}
	parentPort?.postMessage(reply);
});
