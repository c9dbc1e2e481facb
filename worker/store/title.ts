/**
 * A room's creator (their device key) and its display title, in its SQLite
 * storage: one row at most. Every value reaches SQL as a bound parameter.
 */

export interface TitleRow extends Record<string, SqlStorageValue> {
	creator: string | null;
	title: string | null;
}

export class TitleStore {
	constructor(private readonly sql: SqlStorage) {}

	read(): TitleRow {
		return (
			this.sql.exec<TitleRow>("SELECT creator, title FROM room_title WHERE id = 1").toArray()[0] ?? {
				creator: null,
				title: null,
			}
		);
	}

	setCreator(device: string): void {
		this.sql.exec("INSERT OR REPLACE INTO room_title (id, creator, title) VALUES (1, ?, NULL)", device);
	}

	setTitle(title: string): void {
		this.sql.exec("UPDATE room_title SET title = ? WHERE id = 1", title);
	}
}
