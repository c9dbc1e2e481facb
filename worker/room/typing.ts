/**
 * Typing indicators: passed on to the others, never stored, and at most once
 * a second per connection (the client sends at most one every two seconds).
 */

/** Typing frames from one socket closer together than this are dropped. */
const TYPING_EVERY_MS = 1000;

export class Typing {
	readonly #lastAt = new WeakMap<WebSocket, number>();

	/** Whether a typing frame from `ws` now is passed on. */
	pass(ws: WebSocket, now = Date.now()): boolean {
		if (now - (this.#lastAt.get(ws) ?? 0) < TYPING_EVERY_MS) return false;
		this.#lastAt.set(ws, now);
		return true;
	}
}
