/** Builds the client (`vite build` into dist/client), which `wrangler dev` serves. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;

/** Throws with vite's output when the build fails. */
export function buildClient(): void {
	const build = spawnSync(join(root, "node_modules/.bin/vite"), ["build"], { cwd: root, encoding: "utf8" });
	if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}\n${build.stderr}`);
}
