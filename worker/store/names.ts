/**
 * The names the room has seen recently (everyone who joined, whether or not
 * they are still here), so that a mention finds someone who has left. Kept to
 * the newest NAMES_KEPT, and the names of everyone in the room.
 */

const NAMES_KEPT = 1000;
/** Trim now and then, not on every join. */
const TRIM_EVERY = 50;

export class NameStore {
	#joins = 0;

	constructor(private readonly sql: SqlStorage) {}

	/** The name with this key (the protocol's nameKey, never the look-alike skeleton), if the room has seen it. */
	get(key: string): string | undefined {
		return this.sql.exec<{ name: string }>("SELECT name FROM names WHERE name_key = ?", key).toArray()[0]?.name;
	}

	seen(key: string, name: string, at: number): void {
		this.sql.exec(
			"INSERT INTO names (name_key, name, seen) VALUES (?, ?, ?) ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, seen = excluded.seen",
			key,
			name,
			at,
		);
		if (++this.#joins % TRIM_EVERY === 0) {
			// Never the name of someone in the room: a flood of joins must not make a present member unmentionable.
			this.sql.exec(
				`DELETE FROM names WHERE name_key NOT IN (SELECT name_key FROM names ORDER BY seen DESC LIMIT ?)
				 AND name NOT IN (SELECT name FROM members)`,
				NAMES_KEPT,
			);
		}
	}
}
