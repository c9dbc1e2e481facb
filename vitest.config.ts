import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: "workers" runs inside workerd (the real runtime, with the
// ChatRoom Durable Object); "browser" runs on Node and drives Chromium
// against the app served by `wrangler dev`.
// CI asks for a JSON report to total every suite in one line (.ci/run).
const jsonReport = process.env.VITEST_JSON_REPORT;

export default defineConfig({
	test: {
		reporters: jsonReport ? ["default", ["json", { outputFile: jsonReport }]] : ["default"],
		projects: [
			{
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							// The socket cap below the upgrade burst, so that a test reaches the cap by upgrading; the burst above
							// what the churn test opens from one address, so that its frames, not its upgrades, run out.
							// Time (the leave grace) is not shortened: tests let it pass through the room's alarm.
							bindings: {
								MAX_SOCKETS_PER_IP_TOTAL: "25",
								IP_UPGRADE_BURST: "100",
								OPERATOR_TOKEN: "test-operator-token-0123456789",
							},
						},
					}),
				],
				test: { name: "workers", include: ["test/*.test.ts"] },
			},
			{
				test: {
					name: "browser",
					include: ["test/e2e/**/*.test.ts"],
					environment: "node",
					testTimeout: 60_000,
					hookTimeout: 120_000,
					// One app server and one Chromium per file; files run one after another on two cores.
					fileParallelism: false,
				},
			},
		],
	},
});
