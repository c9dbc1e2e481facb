/**
 * A vitest reporter for CI (.ci/run): after the run, every test file's time,
 * slowest first, so that a slow file is seen. A file's time is all of it:
 * starting its environment, importing it (a file that starts its own server
 * does so there), and its tests and hooks. Files run side by side, so the
 * times add up to more than the run took.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class DurationsReporter implements Reporter {
	onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
		const rows = modules.map((m) => {
			const d = m.diagnostic();
			const total = d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration;
			return { file: `${m.project.name} ${m.relativeModuleId}`, total, tests: d.duration, state: m.state() };
		});
		rows.sort((a, b) => b.total - a.total);
		const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
		const lines = rows.map((r) => `${s(r.total)} ${s(r.tests)}  ${r.file}${r.state === "failed" ? "  (failed)" : ""}`);
		const byProject = new Map<string, number>();
		for (const m of modules) byProject.set(m.project.name, (byProject.get(m.project.name) ?? 0) + 1);
		console.log(
			[
				"",
				"Time per test file, slowest first (all of it, then its tests and hooks alone):",
				...lines,
				`${rows.length} files (${[...byProject].map(([p, n]) => `${n} ${p}`).join(", ")})`,
				"",
			].join("\n"),
		);
	}
}
