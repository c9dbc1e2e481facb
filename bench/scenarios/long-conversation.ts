/**
 * Long conversation: what one incoming message costs the page's main thread
 * in Chromium, with about 100 lines held and with about 5,000. The room is
 * filled through a socket; the page joins, scrolls up until it has loaded the
 * room's first line (so the client has fetched every line, a page at a time,
 * the way a reader would), goes back to the bottom, and then another person
 * sends at 10 messages a second. The cost is the growth of the renderer's
 * main-thread `TaskDuration` (Chrome DevTools Protocol `Performance.getMetrics`)
 * over the messages, divided by their number, in thread time so that other
 * work on the machine does not count. Long tasks (over 50 ms) are counted
 * with a `PerformanceObserver` in the page, in wall time, which on a busy
 * machine includes the time the thread waited for a core; so after the rounds
 * one more phase per page is traced (Chrome's timeline trace, whose tasks
 * carry their thread time too), and the target is checked on thread time.
 * Hashzap only: the floor has no chat page.
 */
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import type WebSocket from "ws";
import { launchBrowser } from "../../test/e2e/browser.ts";
import { joinAs } from "../../test/e2e/chat-page.ts";
import { nowUs, sleep } from "../lib/clock.ts";
import { median } from "../lib/stats.ts";
import { closeSocket, join, openSocket } from "../load/wire.ts";
import type { Target } from "../targets.ts";
import type { Context } from "./context.ts";

export interface LongConversationRound {
	round: number;
	/** The size asked for (100 or 5,000). */
	lines: number;
	/** Lines in the room, all of them loaded by the page, when the phase began. */
	held: number;
	messages: number;
	msPerMessage: number;
	/** Main-thread ms per second with nothing arriving, measured just before: the page's idle cost. */
	idleMsPerSecond: number;
	longTasks: number;
	longestTaskMs: number;
}

export interface TracedPhase {
	lines: number;
	held: number;
	/** The renderer main thread's tasks while the messages arrived: the longest, in wall and in thread time. */
	longestWallMs: number;
	longestThreadMs: number;
	/** Tasks over 50 ms of thread time. */
	longThreadTasks: number;
}

export interface LongConversationResult {
	lines: number[];
	messages: number;
	perSecond: number;
	/** Seconds the page took to load each room's whole history by scrolling up. */
	loadSeconds: Record<string, number>;
	rounds: LongConversationRound[];
	traced: TracedPhase[];
	summary: {
		lines: number;
		msPerMessage: number;
		/** Wall time: PerformanceObserver's long tasks in every round, and the traced phase's longest. */
		longestTaskMs: number;
		longTasks: number;
		/** Thread time, the traced phase. */
		longestThreadMs: number;
	}[];
}

/** Messages sent (and shown) before each measured phase, so that neither size is measured warming up. */
const WARM_UP = 5;
/** Sends in flight while filling a room. */
const FILL_WINDOW = 100;

interface Reader {
	lines: number;
	page: Page;
	context: BrowserContext;
	cdp: CDPSession;
	sender: Sender;
}

export async function longConversation(ctx: Context): Promise<LongConversationResult> {
	const { lines, messages, perSecond } = ctx.options.conversation;
	const rounds = ctx.options.rounds;
	const target = ctx.targets.find((t) => t.name === "hashzap");
	if (!target) throw new Error("the long-conversation scenario needs the hashzap target");
	const browser = await launchBrowser();
	const readers: Reader[] = [];
	try {
		const loadSeconds: Record<string, number> = {};
		for (const n of lines) {
			const t0 = nowUs();
			readers.push(await openReader(browser, target, `long-${n}-${ctx.runId}`, n));
			loadSeconds[n] = (nowUs() - t0) / 1e6;
			ctx.log(`  ${n} lines: room filled and loaded by the page in ${loadSeconds[n].toFixed(1)} s`);
		}
		const results: LongConversationRound[] = [];
		let rooms = 0;
		// Each phase adds its messages: a page that would then hold over a tenth more than its size
		// is measured on a fresh room of that size instead (the 100-line one, every round).
		const near = async (i: number, extra: number): Promise<Reader> => {
			const reader = readers[i] as Reader;
			if (reader.sender.lastSeq() + extra <= reader.lines * 1.1) return reader;
			await closeReader(reader);
			readers[i] = await openReader(browser, target, `long-${reader.lines}-${ctx.runId}-${++rooms}`, reader.lines);
			return readers[i] as Reader;
		};
		for (let round = 0; round < rounds; round++) {
			for (let i = 0; i < readers.length; i++) {
				const reader = round === 0 ? (readers[i] as Reader) : await near(i, messages + WARM_UP);
				const r = await measure(reader, messages, perSecond);
				results.push({ round, lines: reader.lines, ...r });
				ctx.log(
					`  round ${round + 1}, ${r.held} lines held: ${r.msPerMessage.toFixed(2)} ms per message, ` +
						`${r.longTasks} long tasks (longest ${r.longestTaskMs.toFixed(0)} ms); idle ${r.idleMsPerSecond.toFixed(2)} ms/s`,
				);
			}
		}
		const traced: TracedPhase[] = [];
		for (let i = 0; i < readers.length; i++) {
			const t = await traceTasks(await near(i, messages + WARM_UP), messages, perSecond);
			traced.push(t);
			ctx.log(
				`  traced, ${t.held} lines held: longest task ${t.longestThreadMs.toFixed(1)} ms of thread time ` +
					`(${t.longestWallMs.toFixed(1)} ms wall), ${t.longThreadTasks} over 50 ms`,
			);
		}
		const summary = lines.map((n) => {
			const mine = results.filter((r) => r.lines === n);
			return {
				lines: n,
				msPerMessage: median(mine.map((r) => r.msPerMessage)),
				longestTaskMs: Math.max(
					0,
					...mine.map((r) => r.longestTaskMs),
					...traced.filter((t) => t.lines === n).map((t) => t.longestWallMs),
				),
				longTasks: mine.reduce((sum, r) => sum + r.longTasks, 0),
				longestThreadMs: Math.max(0, ...traced.filter((t) => t.lines === n).map((t) => t.longestThreadMs)),
			};
		});
		return { lines, messages, perSecond, loadSeconds, rounds: results, traced, summary };
	} finally {
		for (const r of readers) await closeReader(r);
		await browser.close();
	}
}

async function closeReader(reader: Reader): Promise<void> {
	await closeSocket(reader.sender.ws);
	await reader.context.close();
}

/** Fills a room with `lines` lines and opens a page that has loaded all of them and shows the newest. */
async function openReader(browser: Browser, target: Target, room: string, lines: number): Promise<Reader> {
	const ws = await openSocket(target.wsUrl(room));
	await join(ws, "Sender", "bench-long-sender");
	const sender = new Sender(ws);
	// The sender's join is line 1 and the reader's will be the last: lines - 2 messages between.
	await sender.fill(Math.max(0, lines - 2));
	const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
	const page = await context.newPage();
	page.on("pageerror", (e) => console.error(`bench: page error: ${e.message}`));
	await page.goto(`${target.httpUrl}/r/${room}`);
	await joinAs(page, "Reader");
	await page.locator('[role="log"] .system', { hasText: "Reader joined" }).waitFor();
	await scrollToFirstLine(page);
	await scrollToNewest(page, sender.lastSeq());
	const cdp = await context.newCDPSession(page);
	// Thread time, not wall time: other work on the machine must not count as the page's.
	await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
	return { lines, page, context, cdp, sender };
}

/** One measured phase: `count` messages at `perSecond` from another person, the page following at the bottom. */
async function measure(reader: Reader, count: number, perSecond: number) {
	const { page, cdp, sender } = reader;
	await page.bringToFront();
	await waitShown(page, await sender.paced(WARM_UP, perSecond));
	await settle(page);
	const held = sender.lastSeq();

	const idle0 = await taskDuration(cdp);
	const idleT0 = nowUs();
	await sleep(1000);
	const idleMsPerSecond = ((await taskDuration(cdp)) - idle0) / ((nowUs() - idleT0) / 1e6);

	await page.evaluate(() => {
		const w = window as unknown as { benchLongTasks: number[]; benchObserver?: PerformanceObserver };
		w.benchObserver?.disconnect();
		w.benchLongTasks = [];
		w.benchObserver = new PerformanceObserver((list) => {
			for (const e of list.getEntries()) w.benchLongTasks.push(e.duration);
		});
		w.benchObserver.observe({ type: "longtask" });
	});
	const t0 = await taskDuration(cdp);
	await waitShown(page, await sender.paced(count, perSecond));
	await settle(page);
	const t1 = await taskDuration(cdp);
	const longTasks = await page.evaluate(() => (window as unknown as { benchLongTasks: number[] }).benchLongTasks);
	return {
		held,
		messages: count,
		msPerMessage: (t1 - t0) / count,
		idleMsPerSecond,
		longTasks: longTasks.length,
		longestTaskMs: Math.max(0, ...longTasks),
	};
}

/** One more phase like `measure`'s, under Chrome's timeline trace: each task's wall and thread time. */
async function traceTasks(reader: Reader, count: number, perSecond: number): Promise<TracedPhase> {
	const { page, cdp, sender } = reader;
	await page.bringToFront();
	await waitShown(page, await sender.paced(WARM_UP, perSecond));
	await settle(page);
	const held = sender.lastSeq();
	const events: TraceEvent[] = [];
	// The protocol types trace events as string maps; they are objects with numbers too.
	const collect = (e: { value: object[] }) => {
		events.push(...(e.value as TraceEvent[]));
	};
	cdp.on("Tracing.dataCollected", collect);
	const complete = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
	await cdp.send("Tracing.start", {
		categories: "disabled-by-default-devtools.timeline,devtools.timeline",
		transferMode: "ReportEvents",
	});
	await waitShown(page, await sender.paced(count, perSecond));
	await settle(page);
	await cdp.send("Tracing.end");
	await complete;
	cdp.off("Tracing.dataCollected", collect);
	// The trace is the whole browser's: this page's renderer is the process its frame runs in.
	const started = events.find((e) => e.name === "TracingStartedInBrowser");
	const pid = started?.args?.data?.frames?.find((f) => f.url === page.url())?.processId;
	const main = events.find((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain" && e.pid === pid);
	if (!main) throw new Error("the trace has no main thread for the page's renderer");
	const tasks = events.filter((e) => e.name === "RunTask" && e.pid === main.pid && e.tid === main.tid);
	const threadMs = tasks.map((e) => (e.tdur ?? 0) / 1000);
	return {
		lines: reader.lines,
		held,
		longestWallMs: Math.max(0, ...tasks.map((e) => (e.dur ?? 0) / 1000)),
		longestThreadMs: Math.max(0, ...threadMs),
		longThreadTasks: threadMs.filter((ms) => ms > 50).length,
	};
}

interface TraceEvent {
	name: string;
	pid: number;
	tid: number;
	/** Wall and thread duration, µs. */
	dur?: number;
	tdur?: number;
	args?: { name?: string; data?: { frames?: { url: string; processId: number }[] } };
}

/** The renderer main thread's total task time so far, ms. */
async function taskDuration(cdp: CDPSession): Promise<number> {
	const { metrics } = await cdp.send("Performance.getMetrics");
	const metric = metrics.find((m) => m.name === "TaskDuration");
	if (!metric) throw new Error("Performance.getMetrics gave no TaskDuration");
	return metric.value * 1000;
}

/** Waits until the line with this seq is in the history (polled rarely: the polling is main-thread work too). */
async function waitShown(page: Page, seq: number): Promise<void> {
	await page.waitForFunction((s) => document.querySelector(`[role="log"] [data-seq="${s}"]`) !== null, seq, {
		polling: 50,
		timeout: 60_000,
	});
}

/** Two animation frames: what the last message caused has been laid out and painted. */
async function settle(page: Page): Promise<void> {
	await page.evaluate(
		() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
	);
}

/** Scrolls up, a page at a time as a reader would, until the room's first line (seq 1) is shown. */
async function scrollToFirstLine(page: Page): Promise<void> {
	await page.evaluate(async () => {
		const log = document.querySelector('[role="log"]') as HTMLElement;
		const deadline = performance.now() + 600_000;
		const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
		const firstShown = () => log.querySelector("[data-seq]")?.getAttribute("data-seq");
		while (!log.querySelector('[data-seq="1"]')) {
			const first = firstShown();
			let nudged = 0;
			while (firstShown() === first) {
				if (performance.now() > deadline) throw new Error(`history stuck at seq ${first}`);
				// Scrolled to the top again every half second: a page the room refused (its history
				// endpoint allows 30 requests per 10 s per address) is asked for again, as a reader would.
				if (performance.now() - nudged > 500) {
					nudged = performance.now();
					log.scrollTop = 0;
					// Already at 0 when nothing came: a scroll event is what asks for more.
					log.dispatchEvent(new Event("scroll"));
				}
				await frame();
			}
		}
	});
}

/** Scrolls down until the newest line is shown and the view is at the bottom (following new messages). */
async function scrollToNewest(page: Page, seq: number): Promise<void> {
	await page.evaluate(async (newest) => {
		const log = document.querySelector('[role="log"]') as HTMLElement;
		const deadline = performance.now() + 600_000;
		const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
		const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 2;
		while (!(log.querySelector(`[data-seq="${newest}"]`) && atBottom())) {
			if (performance.now() > deadline) throw new Error("could not get back to the newest line");
			log.scrollTop = log.scrollHeight;
			log.dispatchEvent(new Event("scroll"));
			await frame();
			await frame();
		}
	}, seq);
}

/** The other person: one socket that sends and learns each message's seq from its ack. */
class Sender {
	#next = 0;
	#lastSeq = 0;
	#waiting = new Map<string, { resolve: (seq: number) => void; reject: (e: Error) => void }>();

	readonly ws: WebSocket;

	constructor(ws: WebSocket) {
		this.ws = ws;
		ws.on("message", (data) => {
			const frame = String(data);
			if (frame.startsWith('{"type":"message')) {
				for (const m of frame.matchAll(/"seq":(\d+)/g)) this.#lastSeq = Math.max(this.#lastSeq, Number(m[1]));
			} else if (frame.startsWith('{"type":"ack"') || frame.startsWith('{"type":"error"')) {
				const reply = JSON.parse(frame) as { type: string; id?: string; seq?: number; reason?: string };
				const waiting = reply.id === undefined ? undefined : this.#waiting.get(reply.id);
				if (reply.type === "ack" && reply.seq !== undefined) {
					this.#lastSeq = Math.max(this.#lastSeq, reply.seq);
					waiting?.resolve(reply.seq);
				} else {
					const error = new Error(`the room refused a bench message: ${frame}`);
					if (waiting) waiting.reject(error);
					else console.error(`bench: ${error.message}`);
				}
				if (reply.id !== undefined) this.#waiting.delete(reply.id);
			}
		});
		ws.on("close", (code, reason) => {
			for (const w of this.#waiting.values()) w.reject(new Error(`the sender's socket closed: ${code} ${reason}`));
			this.#waiting.clear();
		});
	}

	/** The newest seq this socket has seen: its own acks and the room's broadcast lines. */
	lastSeq(): number {
		return this.#lastSeq;
	}

	/** Sends one message and resolves with its seq. */
	send(): Promise<number> {
		const i = this.#next++;
		const id = `long-${i}`;
		const done = new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`message ${id} not acknowledged in 30 s`)), 30_000);
			this.#waiting.set(id, {
				resolve: (seq) => {
					clearTimeout(timer);
					resolve(seq);
				},
				reject: (e) => {
					clearTimeout(timer);
					reject(e);
				},
			});
		});
		const text = `Message ${i}: about as long as a line in a chat usually is, with a link https://example.com/${i}`;
		this.ws.send(JSON.stringify({ type: "send", id, text }));
		return done;
	}

	/** Sends `count` messages, `FILL_WINDOW` unacknowledged at a time. */
	async fill(count: number): Promise<void> {
		let sent = 0;
		const lane = async () => {
			while (sent < count) {
				sent++;
				await this.send();
			}
		};
		await Promise.all(Array.from({ length: Math.min(FILL_WINDOW, count) }, lane));
	}

	/** Sends `count` messages on a fixed schedule of `perSecond`; resolves with the last one's seq. */
	async paced(count: number, perSecond: number): Promise<number> {
		const t0 = nowUs();
		const acks: Promise<number>[] = [];
		for (let i = 0; i < count; i++) {
			const due = t0 + (i * 1e6) / perSecond;
			const wait = (due - nowUs()) / 1000;
			if (wait > 0) await sleep(wait);
			acks.push(this.send());
		}
		return Math.max(...(await Promise.all(acks)));
	}
}
