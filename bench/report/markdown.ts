/**
 * The results as markdown: the machine, the comparison table (medians over
 * rounds, Hashzap against the floor), the targets, and the evidence that the
 * load generator was not the bottleneck. This is the README's "Performance"
 * section and bench/results/latest.md.
 */
import { median } from "../lib/stats.ts";
import type { ReactionsSummary } from "../scenarios/reactions.ts";
import type { TargetName } from "../targets.ts";
import { type BenchResults, fmt } from "./results.ts";

const LABEL: Record<TargetName, string> = {
	hashzap: "Hashzap",
	direct: "Hashzap, no dev proxy",
	floor: "Floor",
};

export function performanceSection(r: BenchResults, chartPath: string): string {
	const m = r.machine;
	const names = r.targetNames;
	const lines: string[] = [];
	lines.push(
		`Measured ${r.date.slice(0, 10)} by \`${r.command}\`${r.mode === "smoke" ? " (tiny numbers: a check that the bench works, not a result)" : ""} on ${m.cpu}, ${m.cores} cores, ${m.memoryGib} GiB, ${m.kernel}; Node ${m.node}, wrangler ${m.wrangler} (workerd ${m.workerd}); code ${m.code}. ` +
			`Load average ${fmt(r.loadAverage.start)} at the start and ${fmt(r.loadAverage.end)} at the end. ` +
			`Hashzap runs under \`wrangler dev\` (rate limits raised through vars); the floor is a bare Node \`ws\` server that only rebroadcasts. ` +
			`${r.options.rounds} rounds, the two alternating; each number is the median over rounds. The run took ${Math.round(r.seconds)} s.`,
	);
	lines.push(
		"",
		`![Delivery latency percentiles against clients in the room, Hashzap and the floor](${chartPath})`,
		"",
	);
	const ratios = names.filter((n) => n !== "floor" && names.includes("floor"));
	lines.push(
		table(
			["Scenario", "Measure", ...names.map((n) => LABEL[n]), ...ratios.map((n) => `${LABEL[n]} ÷ floor`)],
			resultRows(r, names, ratios),
		),
	);
	if (r.targets.length > 0) {
		lines.push("", "Targets:", "");
		lines.push(
			table(
				["Target", "Measured", "Met"],
				r.targets.map((t) => [t.name, t.measured, t.met === undefined ? "n/a" : t.met ? "yes" : "**no**"]),
			),
		);
	}
	lines.push("", generatorNote(r), "");
	lines.push(
		table(
			["Scenario", "Server", "Busiest generator thread busy", "Worst event-loop delay", "Generator CPU", "Server CPU"],
			generatorRows(r),
		),
	);
	if (r.problems.length > 0 || r.errors.length > 0) {
		lines.push("", "**Problems in this run:**", "", ...[...r.errors, ...r.problems].map((p) => `- ${p}`));
	}
	return `${lines.join("\n")}\n`;
}

type PerTarget<T> = Partial<Record<TargetName, T>>;

function resultRows(r: BenchResults, names: TargetName[], ratios: TargetName[]): string[][] {
	const rows: string[][] = [];
	const add = (scenario: string, measure: string, values: PerTarget<number | undefined>) => {
		const floor = values.floor;
		rows.push([
			scenario,
			measure,
			...names.map((n) => fmt(values[n])),
			...ratios.map((n) => {
				const v = values[n];
				return v === undefined || floor === undefined || floor === 0 ? "" : `${fmt(v / floor)}×`;
			}),
		]);
	};
	const text = (scenario: string, measure: string, values: PerTarget<string>) =>
		rows.push([scenario, measure, ...names.map((n) => values[n] ?? ""), ...ratios.map(() => "")]);
	const pick = <T>(summary: PerTarget<T>, f: (s: T) => number) => {
		const out: PerTarget<number> = {};
		for (const n of names) {
			const s = summary[n];
			if (s !== undefined) out[n] = f(s);
		}
		return out;
	};
	const losses = (summary: PerTarget<{ lost: number; duplicated: number }>) => {
		const out: PerTarget<string> = {};
		for (const n of names) {
			const s = summary[n];
			if (s) out[n] = `${s.lost} / ${s.duplicated}`;
		}
		return out;
	};
	for (const lat of r.latency) {
		add(
			`Latency, ${lat.clients} clients, 1 sender at ${lat.perSecond} msg/s`,
			"p50 ms",
			pick(lat.summary, (s) => s.p50Ms),
		);
		add(
			"",
			"p99 ms",
			pick(lat.summary, (s) => s.p99Ms),
		);
		add(
			"",
			"max ms",
			pick(lat.summary, (s) => s.maxMs),
		);
		text("", "lost / duplicated (all rounds)", losses(lat.summary));
	}
	const react = r.reactions;
	if (react) {
		const plainLatency = r.latency.find((l) => l.clients === react.clients)?.summary.hashzap;
		const label = `Reactions, ${react.clients} clients, 1 sender at ${react.perSecond} msg/s + ${react.reactionsPerSecond} reactions/s`;
		const pair = (f: (s: ReactionsSummary) => number) =>
			`${fmt(f(react.withReactions))} (plain ${fmt(f(react.plain))}${plainLatency ? `; latency scenario ${fmt(f(plainLatency))}` : ""})`;
		text(label, "message p50 ms (same clients without reactions)", { hashzap: pair((s) => s.p50Ms) });
		text("", "message p99 ms (same clients without reactions)", { hashzap: pair((s) => s.p99Ms) });
		text("", "server CPU cores (without reactions)", {
			hashzap: `${fmt(react.withReactions.serverCoresMedian)} (${fmt(react.plain.serverCoresMedian)})`,
		});
		const lines = react.rounds.filter((x) => x.withReactions);
		text("", "reaction lines received / expected (all rounds)", {
			hashzap: `${lines.reduce((a, x) => a + x.reactionLines, 0)} / ${lines.reduce((a, x) => a + x.reactionLinesExpected, 0)}`,
		});
	}
	const sat = r.saturation;
	if (sat) {
		add(
			`Saturation, ${sat.clients} clients, ${sat.senders} senders`,
			"deliveries/s received",
			pick(sat.summary, (s) => s.deliveriesPerSecond),
		);
		add(
			"",
			"messages/s accepted",
			pick(sat.summary, (s) => s.sendsPerSecond),
		);
		add(
			"",
			"p99 ms at that rate",
			pick(sat.summary, (s) => s.p99Ms),
		);
		text("", "lost / duplicated (all rounds)", losses(sat.summary));
	}
	const idle = r.idle;
	if (idle) {
		add(
			`Idle memory, ${idle.sockets} sockets`,
			"KiB RSS per open socket",
			pick(idle.summary, (s) => s.kibPerOpenSocket),
		);
		add(
			"",
			"KiB RSS per joined socket",
			pick(idle.summary, (s) => s.kibPerSocket),
		);
		add(
			"",
			`s for all ${idle.sockets} to join`,
			pick(idle.summary, (s) => s.joinAllSeconds),
		);
	}
	const join = r.join;
	if (join) {
		const size = join.historySize.toLocaleString("en");
		add(
			"Join (socket open → history page)",
			"p50 ms, empty room",
			pick(join.summary, (s) => s.emptyP50Ms),
		);
		add(
			"",
			`p50 ms, ${size} messages`,
			pick(join.summary, (s) => s.fullP50Ms),
		);
		add(
			"",
			`p99 ms, ${size} messages`,
			pick(join.summary, (s) => s.fullP99Ms),
		);
	}
	const client = r.client;
	if (client) {
		const w = client.weight;
		text("Client", "gzipped bytes, first screen: JS + CSS + HTML", {
			hashzap: `${fmt(w.totalGzip)} (${fmt(w.jsGzip)} + ${fmt(w.cssGzip)} + ${fmt(w.htmlGzip)})`,
		});
		text("", "gzipped bytes of JS fetched for the chat", { hashzap: fmt(w.allJsGzip - w.jsGzip) });
		add(
			"",
			'"Start Chat" visible in Chromium, ms',
			pick(client.summary, (s) => s.visibleMs),
		);
	}
	const conv = r.conversation;
	if (conv) {
		conv.summary.forEach((s, i) => {
			text(
				i === 0 ? `Client, long conversation, ${conv.perSecond} msg/s arriving` : "",
				`main-thread ms per message, ${s.lines.toLocaleString("en")} lines held`,
				{ hashzap: fmt(s.msPerMessage) },
			);
		});
		text("", "longest task, ms of thread time (wall)", {
			hashzap: `${fmt(Math.max(...conv.summary.map((s) => s.longestThreadMs)))} (${fmt(Math.max(...conv.summary.map((s) => s.longestTaskMs)))})`,
		});
	}
	return rows;
}

function generatorNote(r: BenchResults): string {
	return (
		`Is the load generator the bottleneck? It runs in ${r.options.threads} worker threads. For each measured scenario: ` +
		"the busiest thread's event-loop utilization while sending (100% = never idle), the worst event-loop delay any thread saw " +
		"and how late the fixed send schedule ran, and the CPU cores used while sending by the generator process and by the " +
		"server's processes (workerd for Hashzap), medians over rounds. A generator that is mostly idle, and a floor that goes " +
		"much faster through the same generator, mean the generator is not what limits Hashzap."
	);
}

function generatorRows(r: BenchResults): string[][] {
	const rows: string[][] = [];
	const pct = (u: number | undefined) => (u === undefined ? "n/a" : `${Math.round(u * 100)}%`);
	const cores = (c: number | undefined) => (c === undefined ? "n/a" : `${fmt(c)} cores`);
	for (const lat of r.latency) {
		for (const name of r.targetNames) {
			const s = lat.summary[name];
			if (!s) continue;
			const rounds = lat.rounds.filter((x) => x.target === name);
			rows.push([
				`Latency, ${lat.clients} clients`,
				LABEL[name],
				pct(s.generatorUtilizationMax),
				`${fmt(s.generatorDelayMaxMs)} ms; schedule ≤ ${fmt(s.scheduleLagMaxMs)} ms late`,
				cores(median(rounds.map((x) => x.generatorCores))),
				cores(s.serverCoresMedian),
			]);
		}
	}
	const sat = r.saturation;
	if (sat) {
		for (const name of r.targetNames) {
			const s = sat.summary[name];
			if (!s) continue;
			rows.push([
				`Saturation, ${sat.clients} clients`,
				LABEL[name],
				pct(s.generatorUtilizationMax),
				"",
				cores(s.generatorCoresMedian),
				cores(s.serverCoresMedian),
			]);
		}
	}
	return rows;
}

/**
 * A markdown table with the first two columns left-aligned and the rest right-aligned, padded the
 * way Biome formats markdown, so that `npm run lint` accepts the README the bench rewrites.
 */
function table(head: string[], rows: string[][]): string {
	const esc = (c: string) => c.replaceAll("|", "\\|");
	const all = [head, ...rows].map((row) => row.map(esc));
	const widths = head.map((_, i) => Math.max(3, ...all.map((row) => [...(row[i] ?? "")].length)));
	const right = (i: number) => i >= 2;
	const pad = (cell: string, i: number) => {
		const fill = " ".repeat((widths[i] ?? 0) - [...cell].length);
		return right(i) ? fill + cell : cell + fill;
	};
	const line = (row: string[]) => `| ${head.map((_, i) => pad(row[i] ?? "", i)).join(" | ")} |`;
	const rule = `| ${widths.map((w, i) => (right(i) ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
	return [line(all[0] ?? []), rule, ...all.slice(1).map(line)].join("\n");
}
