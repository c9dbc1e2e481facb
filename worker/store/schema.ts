/**
 * The room's SQLite schema, as an ordered list of migrations. A room runs
 * the ones it has not run yet when its object starts, so rooms created by
 * older code catch up on their first wake under new code. A new feature adds
 * a step at the end; a step never changes once released. A step is SQL, or
 * a function when it must look at rows.
 *
 * A room gets its storage on its first join, not before: reading an empty
 * room's history writes nothing.
 */
import { nameKey } from "../../protocol";
import { readsBackSame } from "./well-formed";

type Migration = string | ((sql: SqlStorage) => void);

const MIGRATIONS: readonly Migration[] = [
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
	// 2: ghosts out. Older code let in names with a lone UTF-16 surrogate; SQLite stored their keys as
	// bytes that read back as another string, so they never matched again: such a member never left the
	// online list, and every restart queued its departure again. Their rows go, with no "left the chat":
	// nobody saw them arrive under a name that can be written. Compared as bytes, which cannot drift.
	(sql) => {
		for (const table of ["members", "departures"]) {
			const rows = sql
				.exec<{ id: number; key: string; bytes: ArrayBuffer }>(
					`SELECT rowid AS id, name_key AS key, CAST(name_key AS BLOB) AS bytes FROM ${table}`,
				)
				.toArray();
			for (const row of rows) {
				if (!readsBackSame(row.key, row.bytes)) sql.exec(`DELETE FROM ${table} WHERE rowid = ?`, row.id);
			}
		}
	},
	// 3: the room's creator and display title (worker/room/room-title.ts); one row at most.
	`CREATE TABLE IF NOT EXISTS room_title (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		creator TEXT,
		title TEXT
	);`,
	// 4: edits, deletes, reactions and replies. Changes are rows of messages too (kind edit, delete or react,
	// with a target), so they take a seq in the stream and are trimmed with everything else. Safe to run
	// again (SQLite has no ADD COLUMN IF NOT EXISTS): a test may rewind a room's version to replay a step.
	(sql) => {
		const columns = new Set(
			sql
				.exec<{ name: string }>("SELECT name FROM pragma_table_info('messages')")
				.toArray()
				.map((c) => c.name),
		);
		const add = (column: string, definition: string) => {
			if (!columns.has(column)) sql.exec(`ALTER TABLE messages ADD COLUMN ${column} ${definition}`);
		};
		add("user_key", "TEXT"); // chat: the sender's device key; a change: who made it. Never sent.
		add("target", "INTEGER"); // a change: the seq of the message it changes
		add("reply_to", "INTEGER"); // chat: the seq of the message it answers
		add("edited", "INTEGER NOT NULL DEFAULT 0");
		add("deleted", "TEXT"); // who deleted it (DeletedBy); its text is then ''
		add("rev", "INTEGER"); // the seq of the last change to it
		add("emoji", "TEXT"); // a react change: which emoji
		sql.exec(`
		-- Messages sent before this step: the sender's key is the first part of the client id ("<user>/<id>").
		UPDATE messages SET user_key = substr(client_id, 1, instr(client_id, '/') - 1)
			WHERE kind = 'chat' AND user_key IS NULL AND instr(client_id, '/') > 1;
		-- Pages skip changes: without this, a page in a room busy with reactions would step over many.
		CREATE INDEX IF NOT EXISTS messages_not_changes ON messages (seq) WHERE target IS NULL;
		-- A message's changes, for scrubbing them when it is deleted.
		CREATE INDEX IF NOT EXISTS messages_changes ON messages (target) WHERE target IS NOT NULL;
		CREATE TABLE IF NOT EXISTS reactions (
			target INTEGER NOT NULL,
			emoji TEXT NOT NULL,
			user_key TEXT NOT NULL,
			name TEXT NOT NULL,
			seq INTEGER NOT NULL, -- the change that added it: names are listed in this order
			PRIMARY KEY (target, emoji, user_key)
		) WITHOUT ROWID;`);
	},
	// 5: names that look alike are the same name: a second key for each member, compared as well (worker/room/name-keys.ts).
	// Rows from before have none; Membership fills it in when the room wakes.
	(sql) => {
		// A room that was set back to an older version (the ghost test does) may have the column already.
		const has = sql.exec("SELECT 1 FROM pragma_table_info('members') WHERE name = 'look_key'").toArray().length > 0;
		if (!has) sql.exec("ALTER TABLE members ADD COLUMN look_key TEXT");
		sql.exec("CREATE INDEX IF NOT EXISTS members_by_look ON members (look_key)");
	},
	// 6: moderation (docs/moderation.md).
	`-- SHA-256 (hex) of the owner secret and of the moderator link's secret: the secrets themselves are never stored.
	CREATE TABLE IF NOT EXISTS room_secrets (kind TEXT PRIMARY KEY, hash TEXT NOT NULL);
	-- Devices with a role here, by device key, with the name they last joined under.
	CREATE TABLE IF NOT EXISTS roles (user_key TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL, since INTEGER NOT NULL);
	CREATE TABLE IF NOT EXISTS mutes (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		user_key TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL,
		until INTEGER NOT NULL
	);
	-- A ban holds the device key until \`until\` (NULL: until lifted) and the address until \`ip_until\`.
	CREATE TABLE IF NOT EXISTS bans (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		user_key TEXT NOT NULL,
		ip TEXT,
		name TEXT NOT NULL,
		until INTEGER,
		ip_until INTEGER NOT NULL
	);
	CREATE INDEX IF NOT EXISTS bans_by_user ON bans (user_key);
	CREATE INDEX IF NOT EXISTS bans_by_ip ON bans (ip);
	-- Devices that have been in the room and the address they last came from: who may join a locked room,
	-- and where a ban on someone who has already left reaches.
	CREATE TABLE IF NOT EXISTS visitors (user_key TEXT PRIMARY KEY, ip TEXT NOT NULL, at INTEGER NOT NULL);
	CREATE TABLE IF NOT EXISTS room_settings (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
	CREATE TABLE IF NOT EXISTS audit_log (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		at INTEGER NOT NULL,
		actor TEXT NOT NULL,
		role TEXT NOT NULL,
		action TEXT NOT NULL,
		target TEXT,
		detail TEXT
	);
	`,
	// 7: the sender's role on each line.
	(sql) => {
		// The sender's role when they sent a line (NULL for members): the badge on their messages.
		const has = sql.exec("SELECT 1 FROM pragma_table_info('messages') WHERE name = 'role'").toArray().length > 0;
		if (!has) sql.exec("ALTER TABLE messages ADD COLUMN role TEXT");
	},
	// 8: mentions. Each chat line keeps the names it mentions (JSON, NULL for none); the room
	// remembers the names it has seen, so that a mention finds someone who has left. A function,
	// as SQLite has no ADD COLUMN IF NOT EXISTS: the step may run again over its own work.
	(sql) => {
		const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('messages')").toArray();
		if (!columns.some((c) => c.name === "mentions")) sql.exec("ALTER TABLE messages ADD COLUMN mentions TEXT");
		sql.exec(`CREATE TABLE IF NOT EXISTS names (
			name_key TEXT PRIMARY KEY,
			name TEXT NOT NULL,
			seen INTEGER NOT NULL
		);
		INSERT OR IGNORE INTO names (name_key, name, seen) SELECT name_key, name, 0 FROM members;`);
	},
	// 9: Web Push. One subscription per device key; the lines held for it since its last push (each
	// once, so that a deleted one can be taken out again) go out together at `due` (NULL when none).
	`CREATE TABLE IF NOT EXISTS push_subscriptions (
		user_key TEXT PRIMARY KEY,
		name_key TEXT NOT NULL,
		endpoint TEXT NOT NULL,
		p256dh TEXT NOT NULL,
		auth TEXT NOT NULL,
		level TEXT NOT NULL,
		preview INTEGER NOT NULL,
		last_sent INTEGER NOT NULL DEFAULT 0,
		due INTEGER
	);
	CREATE INDEX IF NOT EXISTS push_subscriptions_due ON push_subscriptions (due) WHERE due IS NOT NULL;
	CREATE TABLE IF NOT EXISTS push_held (
		user_key TEXT NOT NULL,
		seq INTEGER NOT NULL,
		mention INTEGER NOT NULL,
		PRIMARY KEY (user_key, seq)
	) WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS push_held_seq ON push_held (seq);`,
	// 10: whom a mention calls is keyed by the protocol's nameKey, not by the look-alike skeleton that
	// steps 5 to 9 stored in `names` and `push_subscriptions` (#26: "Sam" was kept as "sarn", so "@Sam"
	// found no one). Rows that share a new key shared their old one (nameKey folds less than the skeleton),
	// but one row's new key may be another's old one ("Sam" was 'sarn' and "Saᗰ" was 'sam'): so the table is
	// emptied and filled again, never updated row by row.
	(sql) => {
		const names = sql
			.exec<{ name_key: string; name: string; seen: number }>("SELECT name_key, name, seen FROM names")
			.toArray();
		const members = sql.exec<{ name_key: string; name: string }>("SELECT name_key, name FROM members").toArray();
		const nameOf = new Map([...members, ...names].map((r) => [r.name_key, r.name]));
		sql.exec("DELETE FROM names");
		for (const r of names) {
			sql.exec(
				"INSERT INTO names (name_key, name, seen) VALUES (?, ?, ?) ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, seen = excluded.seen WHERE excluded.seen > names.seen",
				nameKey(r.name),
				r.name,
				r.seen,
			);
		}
		const subs = sql.exec<{ user_key: string; name_key: string }>("SELECT user_key, name_key FROM push_subscriptions");
		for (const r of subs.toArray()) {
			const name = nameOf.get(r.name_key);
			// A subscription whose name the room no longer knows is set right when its device next joins (Notifier.back).
			if (name !== undefined) {
				sql.exec("UPDATE push_subscriptions SET name_key = ? WHERE user_key = ?", nameKey(name), r.user_key);
			}
		}
	},
	// 11: Clear history keeps the client ids of the lines it deletes (no text), with their seqs, so that a
	// send or a change retried after the clear is acknowledged with its first seq instead of stored again.
	// Trimmed with the lines they came from.
	`CREATE TABLE IF NOT EXISTS cleared_ids (client_id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS cleared_ids_seq ON cleared_ids (seq);`,
];

/** Whether the room has storage yet: a room that was only ever read has none. */
export function hasSchema(sql: SqlStorage): boolean {
	return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").toArray().length > 0;
}

/** Brings the room's storage up to the newest schema (creating it, in a room that has none). */
export function migrate(sql: SqlStorage): void {
	sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
	const done = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
	for (let step = done; step < MIGRATIONS.length; step++) {
		const migration = MIGRATIONS[step] as Migration;
		if (typeof migration === "string") sql.exec(migration);
		else migration(sql);
	}
	if (done === 0) sql.exec("INSERT INTO schema_version (version) VALUES (?)", MIGRATIONS.length);
	else if (done < MIGRATIONS.length) sql.exec("UPDATE schema_version SET version = ?", MIGRATIONS.length);
}
