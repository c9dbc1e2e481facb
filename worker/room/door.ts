/**
 * The room's door: how a socket is told no, turned away or shown out.
 * - A refusal is an error frame; the socket stays, and may try again.
 * - A banned device is turned away: told until when, and its socket closed.
 * - Closing a socket for good (a kick, a ban) leaves it no say, even after
 *   hibernation, and announces no departure: whoever closes it says what
 *   became of its person.
 * ChatRoom and StaffActions say when; this module says how.
 */
import { CLOSE_BANNED, type ErrorCode } from "../../protocol";
import type { Admission } from "../limits/admission";
import type { Connections } from "./connections";
import { bannedReason } from "./restrictions";

export class RoomDoor {
	constructor(
		private readonly connections: Connections,
		private readonly admission: Admission,
	) {}

	/** Tells a socket its frame was refused, and why; `id` names the frame, `when` says when to try again. */
	refuse(
		ws: WebSocket,
		code: ErrorCode,
		reason: string,
		id?: string,
		when?: { retryAfter?: number; until?: number },
	): void {
		this.connections.sendTo(ws, {
			type: "error",
			code,
			reason,
			...(id !== undefined && { id }),
			...(when?.retryAfter !== undefined && { retryAfter: when.retryAfter }),
			...(when?.until !== undefined && { until: when.until }),
		});
	}

	/** Refuses a banned device and closes its socket. */
	turnAway(ws: WebSocket, until: number | null): void {
		const reason = bannedReason(until);
		this.connections.sendTo(ws, { type: "error", code: "banned", reason, ...(until !== null && { until }) });
		this.close(ws, CLOSE_BANNED, reason);
	}

	/**
	 * Closes a socket for good without a departure. Frames still on the wire
	 * behind the close are ignored; its close event settles the rest.
	 */
	close(ws: WebSocket, code: number, reason: string): void {
		const session = this.connections.session(ws);
		this.connections.forget(ws);
		this.admission.forget(ws);
		this.connections.save(ws, { ip: session.ip, version: session.version, shut: true });
		try {
			ws.close(code, reason);
		} catch {
			// already closed
		}
	}
}
