/**
 * The room's settings that owners and moderators change:
 * - slow mode: one message per person every N seconds, a title or an edit
 *   counting as one (owners and moderators are not slowed; a reaction,
 *   which adds no text, is not either); a refused one says when to try again;
 * - lock: only devices that have been in the room before may join.
 * Both live in storage, so they survive hibernation, eviction and restarts.
 */
import type { RoomSettings } from "../../protocol";
import { SettingsStore } from "../store/room-settings";
import type { History } from "./history";

export class Settings {
	readonly #store: SettingsStore;
	#loaded: RoomSettings | undefined;
	/** When each device last sent, ms: kept as they send, read from history after a wake. */
	readonly #lastSent = new Map<string, number>();

	constructor(
		sql: SqlStorage,
		/** Where a device's last message is found after a wake. */
		private readonly history: Pick<History, "lastSentBy">,
	) {
		this.#store = new SettingsStore(sql);
	}

	/** Read on first need: a room only ever read has no storage. */
	get current(): RoomSettings {
		if (!this.#loaded) {
			const stored = this.#store.all();
			this.#loaded = { slowMode: stored.get("slow_mode") ?? 0, locked: stored.get("locked") === 1 };
		}
		return this.#loaded;
	}

	/** Applies a change; returns what actually changed. */
	update(change: Partial<RoomSettings>): Partial<RoomSettings> {
		const changed: Partial<RoomSettings> = {};
		const current = this.current;
		if (change.slowMode !== undefined && change.slowMode !== current.slowMode) {
			this.#store.set("slow_mode", change.slowMode);
			changed.slowMode = change.slowMode;
		}
		if (change.locked !== undefined && change.locked !== current.locked) {
			this.#store.set("locked", change.locked ? 1 : 0);
			changed.locked = change.locked;
		}
		this.#loaded = { ...current, ...changed };
		return changed;
	}

	/** How long, ms, a member must still wait before sending under slow mode (0: they may send now). */
	slowModeWait(device: string, now = Date.now()): number {
		const { slowMode } = this.current;
		if (slowMode === 0) return 0;
		let last = this.#lastSent.get(device);
		if (last === undefined) {
			last = this.history.lastSentBy(device) ?? 0;
			this.#lastSent.set(device, last);
		}
		return Math.max(0, last + slowMode * 1000 - now);
	}

	/** Notes a message, title or edit a device sent, at the time the room stored it. */
	sent(device: string, at: number): void {
		this.#lastSent.set(device, at);
	}
}
