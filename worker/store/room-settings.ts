/**
 * The room's settings (slow mode, lock) in its SQLite storage, as numbers by name.
 */

export class SettingsStore {
	constructor(private readonly sql: SqlStorage) {}

	all(): Map<string, number> {
		return new Map(
			this.sql
				.exec<{ key: string; value: number }>("SELECT key, value FROM room_settings")
				.toArray()
				.map((r) => [r.key, r.value]),
		);
	}

	set(key: string, value: number): void {
		this.sql.exec("INSERT OR REPLACE INTO room_settings (key, value) VALUES (?, ?)", key, value);
	}
}
