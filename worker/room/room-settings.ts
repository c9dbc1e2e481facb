/**
 * The room's settings that owners and moderators change:
 * - slow mode: one message per person every N seconds (owners and
 *   moderators are not slowed); a refused send says when to try again;
 * - lock: only devices that have been in the room before may join.
 * Both live in storage, so they survive hibernation, eviction and restarts.
 */
import type { RoomSettings } from "../../protocol";
import { SettingsStore } from "../store/room-settings";

export class Settings {
	readonly #store: SettingsStore;
	#current: RoomSettings;
	/** When each device last sent, ms: kept as they send, read from history after a wake. */
	readonly #lastSent = new Map<string, number>();

	constructor(
		sql: SqlStorage,
		private readonly lastSentFromHistory: (user: string) => number | undefined,
	) {
		this.#store = new SettingsStore(sql);
		const stored = this.#store.all();
		this.#current = { slowMode: stored.get("slow_mode") ?? 0, locked: stored.get("locked") === 1 };
	}

	get current(): RoomSettings {
		return this.#current;
	}

	/** Applies a change; returns what actually changed. */
	update(change: Partial<RoomSettings>): Partial<RoomSettings> {
		const changed: Partial<RoomSettings> = {};
		if (change.slowMode !== undefined && change.slowMode !== this.#current.slowMode) {
			this.#store.set("slow_mode", change.slowMode);
			changed.slowMode = change.slowMode;
		}
		if (change.locked !== undefined && change.locked !== this.#current.locked) {
			this.#store.set("locked", change.locked ? 1 : 0);
			changed.locked = change.locked;
		}
		this.#current = { ...this.#current, ...changed };
		return changed;
	}

	/** How long, ms, a member must still wait before sending under slow mode (0: they may send now). */
	slowModeWait(user: string, now = Date.now()): number {
		if (this.#current.slowMode === 0) return 0;
		let last = this.#lastSent.get(user);
		if (last === undefined) {
			last = this.lastSentFromHistory(user) ?? 0;
			this.#lastSent.set(user, last);
		}
		return Math.max(0, last + this.#current.slowMode * 1000 - now);
	}

	/** Notes a message a device sent, at the time the room stored it. */
	sent(user: string, at: number): void {
		this.#lastSent.set(user, at);
	}
}
