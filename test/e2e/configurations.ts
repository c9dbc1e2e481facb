/**
 * The app's configurations for the browser tests, by name: wrangler vars on
 * top of wrangler.toml's. The shared harness (global-setup.ts) starts one
 * `wrangler dev` for each, which every file that does not stop its server
 * shares (harness.ts); a file that stops or restarts its server starts its
 * own, with wrangler.toml's own limits (app-server.ts).
 */

/**
 * What sharing a server asks of every configuration. Every page of every file comes from 127.0.0.1, one
 * address to the limits that count per address across rooms, so those are raised: a file must not run out
 * of what the one before it spent. The limits on one connection and in one room stay as shipped unless a
 * configuration says otherwise. Leaving is seen within seconds, not wrangler.toml's 20 s, and still long
 * after a page's reload.
 */
const SHARED = {
	IP_RATE_BURST: "5000",
	IP_RATE_PER_SECOND: "5000",
	IP_UPGRADE_BURST: "1000",
	IP_UPGRADE_PER_SECOND: "100",
	MAX_SOCKETS_PER_IP_TOTAL: "1000",
	LEAVE_GRACE_MS: "6000",
};

export const CONFIGURATIONS = {
	/**
	 * A connection's limits as shipped, so a page meets rate_limited as a person would. The leave grace is
	 * shorter still: a test waits for a name to be free after its owner dropped. The harness adds the
	 * origins of the proxies a test puts between a page and the app, and the push service a test runs.
	 */
	shipped: { ...SHARED, LEAVE_GRACE_MS: "1500" },
	/** A connection's rate limits raised: tests fill a room with hundreds of lines through one socket in moments. */
	raised: { ...SHARED, RATE_BURST: "1000", RATE_PER_SECOND: "1000" },
} satisfies Record<string, Record<string, string>>;

export type Configuration = keyof typeof CONFIGURATIONS;
