/**
 * What the servers cost, read from /proc (Linux): resident memory and CPU
 * time of a set of processes, and the members of a process group (wrangler
 * dev runs the app in workerd processes under its own group).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Kernel clock ticks per second for /proc/<pid>/stat times; 100 on every Linux we run on. */
const CLK_TCK = 100;

interface Stat {
	pid: number;
	comm: string;
	/** R, S, D, Z (a zombie: dead, waiting to be reaped)... */
	state: string;
	pgrp: number;
	/** utime + stime, seconds. */
	cpuSeconds: number;
}

function readStat(pid: number): Stat | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, "utf8");
		// comm is in parentheses and may hold spaces, so split after its closing one.
		const close = text.lastIndexOf(")");
		const comm = text.slice(text.indexOf("(") + 1, close);
		const fields = text.slice(close + 2).split(" ");
		// fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
		return {
			pid,
			comm,
			state: fields[0] ?? "",
			pgrp: Number(fields[2]),
			cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLK_TCK,
		};
	} catch {
		return undefined; // the process is gone
	}
}

/**
 * The live processes of a group whose command name starts with `comm` (all of them without it). Zombies do not
 * count: they hold no memory, no CPU and no port, and one whose parent died may wait long for a reaper.
 */
export function groupMembers(pgrp: number, comm?: string): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		const stat = readStat(Number(entry));
		if (stat && stat.pgrp === pgrp && stat.state !== "Z" && (comm === undefined || stat.comm.startsWith(comm))) {
			pids.push(stat.pid);
		}
	}
	return pids;
}

/** The process group of a process, if it still exists. */
export function groupOf(pid: number): number | undefined {
	return readStat(pid)?.pgrp;
}

/** The process group of the process whose command line holds `needle` (e.g. a unique state directory). */
export function groupOfCommandLine(needle: string): number | undefined {
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
			if (cmdline.includes(needle)) return readStat(Number(entry))?.pgrp;
		} catch {
			// gone, or not ours to read
		}
	}
	return undefined;
}

/** Summed VmRSS of the processes, in KiB. */
export function rssKib(pids: readonly number[]): number {
	let total = 0;
	for (const pid of pids) {
		try {
			const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
			total += Number(match?.[1] ?? 0);
		} catch {
			// gone
		}
	}
	return total;
}

/** Summed CPU time (user + system) of the processes, in seconds. */
export function cpuSeconds(pids: readonly number[]): number {
	let total = 0;
	for (const pid of pids) total += readStat(pid)?.cpuSeconds ?? 0;
	return total;
}

/** The 1-minute load average, to say how busy the machine was. */
export function loadAverage(): number {
	return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
}

/** TCP ports the processes listen on (IPv4). */
export function listeningPorts(pids: readonly number[]): number[] {
	return tcpSockets(pids)
		.filter((s) => s.listening)
		.map((s) => s.localPort);
}

/** Remote TCP ports the processes have connections to (IPv4). */
export function connectedPorts(pids: readonly number[]): number[] {
	return tcpSockets(pids)
		.filter((s) => !s.listening)
		.map((s) => s.remotePort);
}

/** The processes' IPv4 TCP sockets, from /proc/net/tcp matched to the sockets among their open files. */
function tcpSockets(pids: readonly number[]): { listening: boolean; localPort: number; remotePort: number }[] {
	const inodes = new Set<string>();
	for (const pid of pids) {
		try {
			for (const fd of readdirSync(`/proc/${pid}/fd`)) {
				try {
					const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
					if (match?.[1]) inodes.add(match[1]);
				} catch {
					// closed meanwhile
				}
			}
		} catch {
			// gone
		}
	}
	const port = (address: string | undefined) => Number.parseInt(address?.split(":")[1] ?? "0", 16);
	const sockets = [];
	for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
		// Columns: sl, local HEXIP:HEXPORT, remote, state (0A = LISTEN), ..., inode (10th).
		const cols = line.trim().split(/\s+/);
		if (!cols[9] || !inodes.has(cols[9])) continue;
		sockets.push({ listening: cols[3] === "0A", localPort: port(cols[1]), remotePort: port(cols[2]) });
	}
	return sockets;
}
