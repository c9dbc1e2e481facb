import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { generateVapidKeys } from "./scripts/vapid-keys";
import { PushService } from "./test/push-service";

// Two projects: "workers" runs inside workerd (the real runtime, with the
// ChatRoom Durable Object); "browser" runs on Node and drives Chromium
// against the app served by `wrangler dev`.
// CI asks for a JSON report to total every suite in one line, and for each file's time (.ci/run).
const jsonReport = process.env.VITEST_JSON_REPORT;
const reporters: (string | [string, Record<string, unknown>])[] = ["default"];
if (jsonReport) reporters.push(["json", { outputFile: jsonReport }]);
if (process.env.VITEST_FILE_DURATIONS === "1") reporters.push("./test/durations-reporter.ts");

// The workers tests' push service (test/push-service.ts) answers every fetch the room makes to
// https://push.test, in Node; tests read what it received through the same host.
const pushService = new PushService();
const vapid = await generateVapidKeys();

export default defineConfig({
	test: {
		reporters,
		// Two files at a time, of either project: vitest's default on two cores is one (a core less than there are).
		maxWorkers: 2,
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
				test: {
					name: "workers",
					include: ["test/*.test.ts"],
					// A wait in test/ws-client.ts gives up after 10 s and says what it waited for; the test's own timeout is later.
					testTimeout: 20_000,
					// Files reuse a worker instead of starting one each (about a second apiece): they share nothing but
					// the runtime, each in rooms and from addresses of its own.
					isolate: false,
				},
			},
			{
				test: {
					name: "browser",
					include: ["test/e2e/**/*.test.ts"],
					environment: "node",
					// A backstop: every step waits for an event with a timeout of its own that names it. Two files at
					// once on a busy machine make a long test slower, not wrong.
					testTimeout: 120_000,
					hookTimeout: 120_000,
					// A page answers within a frame or two, but the machine may be busy: expect.poll asks for long enough.
					expect: { poll: { timeout: 15_000 } },
					// One wrangler dev per configuration and one Chromium, shared by the files (test/e2e/global-setup.ts),
					// which run side by side (a lane a core) and with the workers files: they keep to rooms and
					// browser contexts of their own.
					globalSetup: ["test/e2e/global-setup.ts"],
					// Files reuse a worker process, as they already share the servers and the browser.
					isolate: false,
				},
			},
		],
	},
});
