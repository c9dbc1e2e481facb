/**
 * The timing both sides count on: how a client comes back after a drop, how
 * it notices a connection that went silent, and how long the room waits
 * before saying that someone left. The grace period is derived from the
 * reconnect schedule, so that whoever comes back by themselves is back
 * before it runs out.
 */

/** How a client reconnects: waits in [0, min·grow^(n-1)], capped at maxMs ("full jitter"); each try gives up after connectTimeoutMs. */
export const RECONNECT = { minMs: 500, maxMs: 10_000, grow: 1.8, connectTimeoutMs: 5_000 } as const;

/**
 * The heartbeat. Every `checkMs` the client looks at its connection: quiet
 * for `quietMs`, it sends the text frame `ping`, which the room answers
 * `pong` without waking from hibernation (setWebSocketAutoResponse). Any
 * frame is proof of life; nothing within `timeoutMs` of the ping and the
 * connection counts as dead. So a silent connection is noticed between
 * quietMs + timeoutMs (25 s) and that plus two checks (30 s) after the last
 * frame it carried.
 */
export const HEARTBEAT = { ping: "ping", pong: "pong", quietMs: 15_000, timeoutMs: 10_000, checkMs: 2_500 } as const;

/** Time for the WebSocket handshake and the join once a try reaches the room, on a slow network. */
const JOIN_MARGIN_MS = 5_000;

/**
 * The default leave grace: the longest a client that saw its connection
 * close takes to be back. After a restart a room wakes with the first client
 * to return; every other client is then at most one backoff wait (the jitter
 * is drawn below the cap), one try's connect timeout and a join away:
 * 10 s + 5 s + 5 s = 20 s. A connection that dies silently is no departure
 * at all for the room (it sees no close), so the heartbeat needs no room here.
 */
export const LEAVE_GRACE_MS = RECONNECT.maxMs + RECONNECT.connectTimeoutMs + JOIN_MARGIN_MS;
