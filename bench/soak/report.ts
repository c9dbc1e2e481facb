/** The drill's result: what it writes (JSON), prints, and puts in the READMEs' Reliability section. */
import type { Machine } from "../report/machine.ts";
import type { Offence, RoomTally } from "./ledger.ts";
import type { SoakOptions } from "./options.ts";

export interface Kill {
	/** s after the chat began. */
	at: number;
	/** s from the SIGKILL until the new server answered /api/health. */
	downSeconds: number;
}

export interface SoakResults {
	date: string;
	command: string;
	machine: Machine;
	options: SoakOptions;
	kills: Kill[];
	drops: number;
	/** Connections each client made (its first included), resumes (`since` honoured), fresh pages on a rejoin. */
	clients: {
		connects: number;
		resumes: number;
		resets: number;
		resends: number;
		retriesOfStored: number;
		syncs: number;
		pings: number;
	};
	/** s from the end of the chat until every client was back, its outbox empty and its last resync answered empty. */
	settleSeconds: number;
	settled: boolean;
	rooms: RoomTally[];
	total: RoomTally;
	offences: Offence[];
	problems: string[];
	seconds: number;
	ok: boolean;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** The markdown for the READMEs (and the console): what ran, and the tally per room and in total. */
export function soakSection(r: SoakResults): string {
	const o = r.options;
	const downs = r.kills.map((k) => k.downSeconds).sort((a, b) => a - b);
	const m = r.machine;
	const lines = [
		`Measured ${r.date.slice(0, 10)} by \`${r.command}\` on ${m.cpu}, ${m.cores} cores, Node ${m.node}, wrangler ${m.wrangler} (workerd ${m.workerd}); code ${m.code}. ` +
			`${o.clients} clients in ${o.rooms} rooms wrote for ${o.durationMs / 1000} s (each a message every ${o.writeGapMs[0] / 1000}–${o.writeGapMs[1] / 1000} s); ` +
			`meanwhile \`wrangler dev\` was killed (SIGKILL to its process group) ${r.kills.length === 1 ? "once" : `${r.kills.length} times`}, at ${r.kills.map((k) => `${Math.round(k.at)}`).join(", ")} s, ` +
			`and restarted on the same state (${downs.length > 0 ? `down ${downs[0]?.toFixed(1)}–${downs.at(-1)?.toFixed(1)} s from the kill until it answered` : "never"}), ` +
			`and ${fmt(r.drops)} client connections were dropped (cut, closed, or cut just after a send, before its ack; away up to ${o.awayMaxMs / 1000} s). ` +
			`The clients made ${fmt(r.clients.connects)} connections, resumed with \`since\` ${fmt(r.clients.resumes)} times ` +
			`(${r.clients.resets} fresh pages instead), resent ${fmt(r.clients.resends)} unacked messages after a welcome (${fmt(r.clients.retriesOfStored)} of them already stored, their first ack lost, and acked again without a second line), and dropped ${fmt(r.total.repeats)} lines that came again under a seq they held. ` +
			`The settle took ${r.settleSeconds.toFixed(1)} s${r.settled ? "" : " and did not finish"}. Seed ${o.seed}; the run took ${Math.round(r.seconds)} s.`,
		"",
		"| Room | Clients | Sent | Acked | Never acked | Expected deliveries | Delivered | Lost | Doubled |",
		"| ---- | ------: | ---: | ----: | ----------: | ------------------: | --------: | ---: | ------: |",
		...[...r.rooms, r.total].map(
			(t) =>
				`| ${t.room === "total" ? "**total**" : t.room} | ${t.clients} | ${fmt(t.written)} | ${fmt(t.acked)} | ${t.unacked + t.refused} | ${fmt(t.expected)} | ${fmt(t.delivered)} | ${t.lost} | ${t.doubled} |`,
		),
		"",
		`Seq conflicts (two lines under one seq): ${r.total.conflicts}. Result: **${r.ok ? "pass" : "FAIL"}**.`,
		"",
	];
	return lines.join("\n");
}

/** The offending messages and problems, for the console: at most `max` of each kind, with how many more. */
export function offenceList(r: SoakResults, max = 40): string {
	const out: string[] = [];
	for (const kind of ["lost", "doubled", "conflict", "unacked", "refused"] as const) {
		const all = r.offences.filter((o) => o.kind === kind);
		if (all.length === 0) continue;
		out.push(`${kind} (${all.length}):`);
		for (const o of all.slice(0, max)) out.push(`  [${o.room}] ${o.text}`);
		if (all.length > max) out.push(`  … and ${all.length - max} more (all in the JSON)`);
	}
	if (r.problems.length > 0) {
		out.push(`problems (${r.problems.length}):`);
		for (const p of r.problems.slice(0, max)) out.push(`  ${p}`);
		if (r.problems.length > max) out.push(`  … and ${r.problems.length - max} more (all in the JSON)`);
	}
	return out.join("\n");
}
