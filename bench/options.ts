/**
 * How big a run is: the full benchmark, or the seconds-long smoke mode CI
 * runs to prove the bench still works (same code paths, tiny numbers).
 */

export interface Options {
	smoke: boolean;
	/** Rounds per scenario: each round runs Hashzap then the floor. */
	rounds: number;
	/** Load-generator worker threads. */
	threads: number;
	latency: { clients: number[]; perSecond: number; durationMs: number };
	saturation: { clients: number; senders: number; window: number; durationMs: number; warmupMs: number };
	idle: { sockets: number; rounds: number };
	join: { historySize: number; samples: number };
	client: { samples: number; rounds: number };
	/** The page in a long conversation: lines held, messages per measured phase, their rate. */
	conversation: { lines: number[]; messages: number; perSecond: number };
	/** Reactions in a busy room: clients, one sender's messages/s, another client's reactions/s. */
	reactions: { clients: number; perSecond: number; reactionsPerSecond: number; durationMs: number };
	/** How long deliveries may trail the last send before the missing ones count as lost. */
	drainMs: number;
	build: boolean;
	/** Also measure Hashzap's worker without wrangler's dev proxy in front (a diagnostic). */
	direct: boolean;
	/** Run the working tree instead of a frozen copy (which edits during the run cannot reload). */
	live: boolean;
	/** Run only the scenarios whose names start with one of these (--only a,b); the results then go to the temp directory only. */
	only: string[];
}

export function parseOptions(argv: readonly string[]): Options {
	const smoke = argv.includes("--smoke");
	const threads = Number(flagValue(argv, "--threads") ?? 2);
	const build = !argv.includes("--no-build");
	const direct = argv.includes("--direct");
	const live = argv.includes("--live");
	const only = (flagValue(argv, "--only") ?? "").split(",").filter(Boolean);
	if (smoke) {
		return {
			smoke,
			rounds: 1,
			threads,
			latency: { clients: [10, 30], perSecond: 100, durationMs: 1000 },
			saturation: { clients: 10, senders: 2, window: 8, durationMs: 1000, warmupMs: 200 },
			idle: { sockets: 50, rounds: 1 },
			join: { historySize: 300, samples: 5 },
			client: { samples: 1, rounds: 1 },
			conversation: { lines: [30, 120], messages: 5, perSecond: 10 },
			reactions: { clients: 10, perSecond: 100, reactionsPerSecond: 50, durationMs: 1000 },
			drainMs: 5000,
			build,
			direct,
			live,
			only,
		};
	}
	return {
		smoke,
		rounds: Number(flagValue(argv, "--rounds") ?? 5),
		threads,
		latency: { clients: [100, 500], perSecond: 100, durationMs: 3000 },
		saturation: { clients: 100, senders: 4, window: 16, durationMs: 3000, warmupMs: 500 },
		idle: { sockets: 500, rounds: 3 },
		join: { historySize: 10_000, samples: 20 },
		client: { samples: 3, rounds: 3 },
		conversation: { lines: [100, 5000], messages: 60, perSecond: 10 },
		reactions: { clients: 100, perSecond: 100, reactionsPerSecond: 50, durationMs: 3000 },
		drainMs: 10_000,
		build,
		direct,
		live,
		only,
	};
}

function flagValue(argv: readonly string[], flag: string): string | undefined {
	const i = argv.indexOf(flag);
	return i >= 0 ? argv[i + 1] : undefined;
}
