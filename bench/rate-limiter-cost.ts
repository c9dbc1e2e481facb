/**
 * What a room's calls to the RateLimiter cost at human speed. Under the
 * default limits (not the bench's raised ones), 30 people in one room, each
 * from an address of their own, each send a message every 3 s; the workerd
 * processes' CPU time over the sending is divided by the messages sent.
 * Given `--against <dir>` (another checkout of the app, e.g. main), both are
 * measured in alternating rounds on this machine, so the difference is the
 * code's. The calls per message themselves are counted exactly, without
 * timing, by test/admission.test.ts.
 *
 *   node bench/rate-limiter-cost.ts [--against /path/to/other/checkout] [--rounds 3] [--seconds 20]
 */
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import WebSocket from "ws";
import { cpuSeconds, groupMembers, groupOfCommandLine, loadAverage } from "./lib/proc.ts";
import { frozenApp } from "./targets.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => {
	const i = argv.indexOf(name);
	return i === -1 ? undefined : argv[i + 1];
};
const here = resolve(new URL("../", import.meta.url).pathname);
const against = flag("--against");
const rounds = Number(flag("--rounds") ?? 3);
const seconds = Number(flag("--seconds") ?? 20);
const PEOPLE = 30;
const EVERY_MS = 3000;
interface Sample {
	app: string;
	messages: number;
	cpuMsPerMessage: number;
}

/** One round: a frozen copy of the app at `root`, its workerd CPU over `seconds` of people chatting. */
async function measure(root: string, round: number): Promise<Sample> {
	const { copy, startApp } = await frozenApp(root);
	const app = await startApp();
	try {
		const pgrp = groupOfCommandLine(app.stateDir);
		if (pgrp === undefined) throw new Error("no wrangler dev process group");
		const room = `cost-${round}-${Date.now()}`;
		const people = await Promise.all(Array.from({ length: PEOPLE }, (_, i) => person(app.port, room, i)));
		const cpuBefore = cpuSeconds(groupMembers(pgrp, "workerd"));
		let sent = 0;
		const until = Date.now() + seconds * 1000;
		await Promise.all(
			people.map(async (p, i) => {
				// Staggered, so that the room sees a steady trickle, not bursts.
				await sleep((EVERY_MS * i) / PEOPLE);
				while (Date.now() < until) {
					await p.say(`message ${sent++}`);
					await sleep(EVERY_MS);
				}
			}),
		);
		const cpu = cpuSeconds(groupMembers(pgrp, "workerd")) - cpuBefore;
		for (const p of people) p.close();
		return { app: root, messages: sent, cpuMsPerMessage: (cpu * 1000) / sent };
	} finally {
		await app.stop();
		rmSync(app.stateDir, { recursive: true, force: true });
		rmSync(copy, { recursive: true, force: true });
	}
}

async function person(port: number, room: string, i: number) {
	const ws = new WebSocket(`ws://127.0.0.1:${port}/api/rooms/${room}/websocket?v=3`, {
		headers: { "CF-Connecting-IP": `10.77.${i >> 8}.${i & 255}` },
	});
	const acks = new Map<string, () => void>();
	ws.on("message", (data) => {
		const text = String(data);
		if (!text.startsWith('{"type":"ack"') && !text.startsWith('{"type":"welcome"')) return;
		const frame = JSON.parse(text) as { type: string; id?: string };
		acks.get(frame.type === "ack" ? (frame.id ?? "") : "welcome")?.();
	});
	await new Promise((resolve, reject) => {
		ws.once("open", resolve);
		ws.once("error", reject);
	});
	const answered = (key: string) => new Promise<void>((resolve) => acks.set(key, resolve));
	const welcome = answered("welcome");
	ws.send(JSON.stringify({ type: "join", name: `Person ${i}`, user: `cost-user-${i}` }));
	await welcome;
	let n = 0;
	return {
		async say(text: string) {
			const id = `m${i}-${n++}`;
			const ack = answered(id);
			ws.send(JSON.stringify({ type: "send", id, text }));
			await ack;
		},
		close: () => ws.close(),
	};
}

function sleep(ms: number) {
	return new Promise((r) => setTimeout(r, ms));
}

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

const apps = against ? [here, resolve(against)] : [here];
console.log(
	`load average ${loadAverage()} at the start; ${PEOPLE} people, a message each every ${EVERY_MS / 1000} s, ${seconds} s per round`,
);
const samples: Sample[] = [];
for (let round = 0; round < rounds; round++) {
	for (const app of apps) {
		const s = await measure(app, round);
		samples.push(s);
		console.log(
			`round ${round + 1} ${app}: ${s.messages} messages, ${s.cpuMsPerMessage.toFixed(3)} ms of workerd CPU per message`,
		);
	}
}
for (const app of apps) {
	const mine = samples.filter((s) => s.app === app).map((s) => s.cpuMsPerMessage);
	console.log(
		`${app}: median ${median(mine).toFixed(3)} ms of workerd CPU per message (rounds: ${mine.map((x) => x.toFixed(3)).join(", ")})`,
	);
}
console.log(`load average ${loadAverage()} at the end`);
