/**
 * Who has a role in the room, and the hashes of the secrets that grant one,
 * in the room's SQLite storage.
 */
import type { StaffMember } from "../../protocol";

export type SecretKind = "owner" | "moderator";

export interface RoleRow {
	device: string;
	role: StaffMember["role"];
	/** The name they last joined under. */
	name: string;
}

interface Row extends Record<string, SqlStorageValue> {
	user_key: string;
	role: string;
	name: string;
}

export class RoleStore {
	constructor(private readonly sql: SqlStorage) {}

	secretHash(kind: SecretKind): string | undefined {
		return this.sql.exec<{ hash: string }>("SELECT hash FROM room_secrets WHERE kind = ?", kind).toArray()[0]?.hash;
	}

	setSecretHash(kind: SecretKind, hash: string | null): void {
		if (hash === null) this.sql.exec("DELETE FROM room_secrets WHERE kind = ?", kind);
		else this.sql.exec("INSERT OR REPLACE INTO room_secrets (kind, hash) VALUES (?, ?)", kind, hash);
	}

	roles(): RoleRow[] {
		return this.sql
			.exec<Row>("SELECT user_key, role, name FROM roles")
			.toArray()
			.map((r) => ({ device: r.user_key, role: r.role as RoleRow["role"], name: r.name }));
	}

	setRole(row: RoleRow, now: number): void {
		this.sql.exec(
			"INSERT OR REPLACE INTO roles (user_key, role, name, since) VALUES (?, ?, ?, ?)",
			row.device,
			row.role,
			row.name,
			now,
		);
	}

	removeRole(device: string): void {
		this.sql.exec("DELETE FROM roles WHERE user_key = ?", device);
	}
}
