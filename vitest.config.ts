import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateVapidKeys } from "./scripts/vapid-keys";
import { PushService } from "./test/push-service";

// Two projects: "workers" runs inside workerd (the real runtime, with the
// ChatRoom Durable Object); "browser" runs on Node and drives Chromium
// against the app served by `wrangler dev`.
// CI asks for a JSON report to total every suite in one line (.ci/run).
const jsonReport = process.env.VITEST_JSON_REPORT;

// The workers tests' push service (test/push-service.ts) answers every fetch the room makes to
// https://push.test, in Node; tests read what it received through the same host.
const pushService = new PushService();
const vapid = await generateVapidKeys();

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
								...vapid,
								PUSH_HOSTS: "push.test",
								// Short enough to wait for a coalesced push; a small room budget that refills slowly, to see it hold.
								PUSH_DEVICE_INTERVAL_MS: "400",
								PUSH_ROOM_BURST: "5",
								PUSH_ROOM_PER_MINUTE: "1",
								// Small enough to fill a room's subscriptions, and an address's share of them, in a test.
								PUSH_MAX_SUBSCRIPTIONS: "8",
								PUSH_SUBSCRIPTIONS_PER_ADDRESS: "2",
							},
							outboundService: (request: Request) => pushService.handle(request),
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
