/**
 * The room's SQLite schema, as an ordered list of migrations. A room runs
 * the ones it has not run yet when its object starts, so rooms created by
 * older code catch up on their first wake under new code. A new feature adds
 * a step at the end; a step never changes once released.
 */

const MIGRATIONS: readonly string[] = [
	// 1: the first release's tables.
	`CREATE TABLE IF NOT EXISTS messages (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL,
		kind TEXT NOT NULL,
		name TEXT NOT NULL,
		text TEXT NOT NULL,
		at INTEGER NOT NULL,
		client_id TEXT UNIQUE
	);
	-- Who the room has announced as here ("joined") and not yet as gone: the online list.
	-- Durable, so that a restart that drops every socket does not forget who was here.
	CREATE TABLE IF NOT EXISTS members (
		name_key TEXT PRIMARY KEY,
		user_key TEXT NOT NULL,
		name TEXT NOT NULL
	);
	-- Members whose last tab closed: announced as gone once due passes, unless they come back.
	CREATE TABLE IF NOT EXISTS departures (
		name_key TEXT PRIMARY KEY,
		user_key TEXT NOT NULL,
		name TEXT NOT NULL,
		due INTEGER NOT NULL
	);`,
	// 2: names that look alike are the same name: a second key for each member, compared as well (worker/room/name-keys.ts).
	// Rows from before have none; Membership fills it in when the room wakes.
	`ALTER TABLE members ADD COLUMN look_key TEXT;
	CREATE INDEX IF NOT EXISTS members_by_look ON members (look_key);`,
];

/** Brings the room's storage up to the newest schema. */
export function migrate(sql: SqlStorage): void {
	sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
	const done = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
	for (let step = done; step < MIGRATIONS.length; step++) sql.exec(MIGRATIONS[step] as string);
	if (done === 0) sql.exec("INSERT INTO schema_version (version) VALUES (?)", MIGRATIONS.length);
	else if (done < MIGRATIONS.length) sql.exec("UPDATE schema_version SET version = ?", MIGRATIONS.length);
}
