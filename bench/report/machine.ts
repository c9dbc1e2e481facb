/** The machine and software a run measured on, for the report: numbers mean little without them. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";

export interface Machine {
	cpu: string;
	cores: number;
	memoryGib: number;
	kernel: string;
	node: string;
	wrangler: string;
	workerd: string;
	/** The commit measured, and whether the app's files had uncommitted changes. */
	code: string;
}

function packageVersion(path: string): string {
	try {
		return (
			JSON.parse(readFileSync(new URL(`../../node_modules/${path}/package.json`, import.meta.url), "utf8")) as {
				version: string;
			}
		).version;
	} catch {
		return "unknown";
	}
}

function codeVersion(): string {
	const git = (...args: string[]) =>
		execFileSync("git", args, { cwd: new URL("../../", import.meta.url).pathname, encoding: "utf8" }).trim();
	try {
		const dirty = git("status", "--porcelain", "--", "worker", "client", "wrangler.toml") !== "";
		return `${git("rev-parse", "--short", "HEAD")}${dirty ? " with uncommitted changes to the app" : ""}`;
	} catch {
		return "unknown (not a git checkout)";
	}
}

export function machine(): Machine {
	const list = cpus();
	return {
		cpu: list[0]?.model.trim() ?? "unknown",
		cores: list.length,
		memoryGib: Math.round(totalmem() / 2 ** 30),
		kernel: `Linux ${release()}`,
		node: process.version,
		wrangler: packageVersion("wrangler"),
		// The workerd wrangler runs is its own copy when its version differs from the top-level one.
		workerd:
			[packageVersion("wrangler/node_modules/workerd"), packageVersion("workerd")].find((v) => v !== "unknown") ??
			"unknown",
		code: codeVersion(),
	};
}
