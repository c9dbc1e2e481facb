/**
 * Sockets that never join: a socket must join within `JOIN_WITHIN_MS` (10 s)
 * of opening, or the room closes it (4408), so that nobody can hold sockets
 * open without being in the room. The deadline lives in the socket's
 * attachment (it survives hibernation), and the room's one alarm is set for
 * the earliest. Only sockets still waiting are ever looked at: once every
 * socket has joined, nothing here keeps the room awake.
 */
import type { Connections } from "./connections";

/** The close code a socket gets when its time to join has run out (an application code, after HTTP's 408). */
export const JOIN_TIMEOUT_CODE = 4408;

export class IdleSockets {
	constructor(
		private readonly connections: Connections,
		private readonly joinWithinMs: number,
	) {}

	/** The time by which a socket opening at `now` must have joined. */
	deadline(now = Date.now()): number {
		return now + this.joinWithinMs;
	}

	/** Why a socket is closed: said in the close frame. */
	get reason(): string {
		return `No join within ${Math.round(this.joinWithinMs / 1000)} seconds`;
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
