/**
 * The room's tunable limits, read from wrangler vars (strings) with defaults,
 * so that a benchmark or a test can raise or shorten them without code.
 */
import { LEAVE_GRACE_MS } from "../protocol";
import type { Rate } from "./limits/token-bucket";

export interface RoomConfig {
	/** Messages kept per room. */
	historyLimit: number;
	/** How long a user may be gone before "left the chat" is said. */
	leaveGraceMs: number;
	/** Frames one connection may send. */
	connectionRate: Rate;
	/** Frames one IP may send, all its connections in all rooms together. */
	ipRate: Rate;
	/** Refused frames in a row after which the socket is closed with 1008. */
	strikesToClose: number;
	/** Open sockets one IP may hold in one room. */
	maxSocketsPerIp: number;
	/** How long a socket may stay open without joining before it is closed (4408). */
	joinWithinMs: number;
	/** How long a ban also holds the banned person's address, ms. */
	addressBanMs: number;
	push: PushConfig;
}

export interface PushConfig {
	/** Pushes one room may send: a burst, then a steady rate. */
	roomRate: Rate;
	/** A device gets at most one push per room this often; what comes between is coalesced into the next. */
	deviceIntervalMs: number;
	/** Devices a room keeps a push subscription for. */
	maxSubscriptions: number;
	/** Of those, devices that last joined from one address (an IPv6 /64). */
	perAddress: number;
	/** How long a subscription is kept after its device last joined the room, ms. */
	keepMs: number;
	/** The push services a subscription may point at: host names, `*.` for any subdomain, `host:port` for a port. */
	hosts: string[];
}

/** What one address may do across all rooms, kept by its RateLimiter. */
export interface AddressLimits {
	/** Frames, all its connections in all rooms together. */
	ipRate: Rate;
	/** WebSocket upgrades. */
	upgradeRate: Rate;
	/** Open sockets in all rooms together. */
	maxSockets: number;
}

const n = (value: string | undefined, fallback: number) => {
	const parsed = Number(value);
	return value !== undefined && value !== "" && Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
};

export function roomConfig(env: Env): RoomConfig {
	return {
		historyLimit: n(env.HISTORY_LIMIT, 10_000),
		// By default as long as a client's slowest way back (protocol/timing.ts).
		leaveGraceMs: n(env.LEAVE_GRACE_MS, LEAVE_GRACE_MS),
		connectionRate: { burst: n(env.RATE_BURST, 20), perSecond: n(env.RATE_PER_SECOND, 5) },
		ipRate: { burst: n(env.IP_RATE_BURST, 60), perSecond: n(env.IP_RATE_PER_SECOND, 15) },
		strikesToClose: n(env.RATE_STRIKES_TO_CLOSE, 50),
		maxSocketsPerIp: n(env.MAX_SOCKETS_PER_IP, 20),
		joinWithinMs: n(env.JOIN_WITHIN_MS, 10_000),
		addressBanMs: n(env.ADDRESS_BAN_HOURS, 24) * 3_600_000,
		push: {
			roomRate: { burst: n(env.PUSH_ROOM_BURST, 30), perSecond: n(env.PUSH_ROOM_PER_MINUTE, 60) / 60 },
			deviceIntervalMs: n(env.PUSH_DEVICE_INTERVAL_MS, 30_000),
			maxSubscriptions: n(env.PUSH_MAX_SUBSCRIPTIONS, 1000),
			perAddress: n(env.PUSH_SUBSCRIPTIONS_PER_ADDRESS, 20),
			keepMs: n(env.PUSH_SUBSCRIPTION_DAYS, 30) * 86_400_000,
			hosts: (env.PUSH_HOSTS ?? "")
				.split(",")
				.map((h) => h.trim().toLowerCase())
				.filter(Boolean),
		},
	};
}

export function addressLimits(env: Env): AddressLimits {
	return {
		ipRate: roomConfig(env).ipRate,
		upgradeRate: { burst: n(env.IP_UPGRADE_BURST, 30), perSecond: n(env.IP_UPGRADE_PER_SECOND, 2) },
		maxSockets: n(env.MAX_SOCKETS_PER_IP_TOTAL, 100),
	};
}
