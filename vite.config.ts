import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The client is built into the directory that Workers static assets serve (wrangler.toml [assets]).
export default defineConfig({
	root: "client",
	plugins: [preact()],
	build: {
		outDir: "../dist/client",
		emptyOutDir: true,
		target: "es2022",
		// The chat is a chunk of its own (client/chat-chunk.ts). Vite's preload helper fetches what a
		// chunk imports with <link rel="modulepreload">, same-origin files the CSP allows; its polyfill
		// is an inline script, which the CSP refuses, so it is off (every browser we support has it).
		modulePreload: { polyfill: false },
	},
});
