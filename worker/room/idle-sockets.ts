/**
 * Sockets that never join: a socket must join within LIMITS.joinWithinMs of
 * opening, or the room closes it (4408), so that nobody can hold sockets
 * open without being in the room. The deadline lives in the socket's
 * attachment (it survives hibernation), and the room's one alarm is set for
 * the earliest. Only sockets still waiting are ever looked at: once every
 * socket has joined, nothing here keeps the room awake.
 */
import { LIMITS } from "../../protocol";
import type { Connections } from "./connections";

/** The close a socket gets when its time to join has run out. */
export const JOIN_TIMEOUT = { code: 4408, reason: `No join within ${LIMITS.joinWithinMs / 1000} seconds` } as const;

export class IdleSockets {
	constructor(private readonly connections: Connections) {}

	/** The time by which a socket opening at `now` must have joined. */
	deadline(now = Date.now()): number {
		return now + LIMITS.joinWithinMs;
	}

	/** When the earliest waiting socket's time runs out, if any socket is waiting. */
	nextDue(): number | undefined {
		let next: number | undefined;
		for (const ws of this.connections.waiting()) {
			const due = this.connections.session(ws).joinBy ?? 0;
			if (next === undefined || due < next) next = due;
		}
		return next;
	}

	/** The sockets whose time to join has run out by `now`. */
	expired(now = Date.now()): WebSocket[] {
		return [...this.connections.waiting()].filter((ws) => (this.connections.session(ws).joinBy ?? 0) <= now);
	}
}
