import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";

const publicDir = new URL("./client/public/", import.meta.url).pathname;

/** Every file under a directory, as site paths ("/favicon.svg"). */
function publicFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? publicFiles(path) : [`/${relative(publicDir, path)}`];
	});
}

/**
 * Builds the service worker (client/sw.ts) as /sw.js, at the site's root so
 * that it may control every page, and writes into it the list of this
 * build's files and a hash of their contents: the shell it caches, under a
 * name that changes with every deploy whose files change.
 */
function serviceWorker(): Plugin {
	return {
		name: "hashzap-service-worker",
		apply: "build",
		generateBundle(_options, bundle) {
			const sw = Object.values(bundle).find((f) => f.type === "chunk" && f.name === "sw");
			if (sw?.type !== "chunk") throw new Error("the service worker chunk is missing");
			const hash = createHash("sha256");
			const files = ["/"];
			for (const file of Object.values(bundle)) {
				if (file === sw || file.fileName.endsWith(".map")) continue;
				if (file.fileName !== "index.html") files.push(`/${file.fileName}`);
				hash.update(file.fileName).update(file.type === "chunk" ? file.code : file.source);
			}
			for (const path of publicFiles(publicDir)) {
				files.push(path);
				hash.update(path).update(readFileSync(join(publicDir, path)));
			}
			const shell = { version: hash.digest("hex").slice(0, 16), files: files.sort() };
			sw.code = `const SHELL = ${JSON.stringify(shell)};\n${sw.code}`;
		},
	};
}

// The client is built into the directory that Workers static assets serve (wrangler.toml [assets]).
export default defineConfig({
	root: "client",
	plugins: [preact(), serviceWorker()],
	build: {
		outDir: "../dist/client",
		emptyOutDir: true,
		target: "es2022",
		// The chat is a chunk of its own (client/shell/chat-loader.ts). Vite's preload helper fetches what a
		// chunk imports with <link rel="modulepreload">, same-origin files the CSP allows; its polyfill
		// is an inline script, which the CSP refuses, so it is off (every browser we support has it).
		modulePreload: { polyfill: false },
		rollupOptions: {
			input: { index: "client/index.html", sw: "client/sw.ts" },
			output: { entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js") },
		},
	},
});
