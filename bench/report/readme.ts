/** Writes a run's section into README.md and bench/README.md, between their `<!-- name:results:start/end -->` markers. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;

/** Replaces the part between the markers named `name` in each README that has them; the rest stays as it was. */
export function updateReadmes(name: string, section: string): void {
	const start = `<!-- ${name}:results:start -->`;
	const end = `<!-- ${name}:results:end -->`;
	for (const file of [join(root, "README.md"), join(root, "bench/README.md")]) {
		let text: string;
		try {
			text = readFileSync(file, "utf8");
		} catch {
			continue;
		}
		const i = text.indexOf(start);
		const j = text.indexOf(end);
		if (i < 0 || j < i) continue;
		writeFileSync(file, `${text.slice(0, i + start.length)}\n${section}${text.slice(j)}`);
	}
}
