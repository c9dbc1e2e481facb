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
		// One small bundle: no modulepreload polyfill (an inline helper that the CSP would refuse).
		modulePreload: { polyfill: false },
	},
});
