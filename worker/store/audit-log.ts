/**
 * The room's audit log in its SQLite storage: one row per moderation action.
 */
import type { AuditAction, AuditEntry } from "../../protocol";

interface Row extends Record<string, SqlStorageValue> {
	id: number;
	at: number;
	actor: string;
	role: string;
	action: string;
	target: string | null;
	detail: string | null;
}

export class AuditStore {
	constructor(
		private readonly sql: SqlStorage,
		private readonly keep: number,
	) {}

	append(entry: Omit<AuditEntry, "id">): void {
		const { id } = this.sql
			.exec<{ id: number }>(
				"INSERT INTO audit_log (at, actor, role, action, target, detail) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
				entry.at,
				entry.actor,
				entry.role,
				entry.action,
				entry.target ?? null,
				entry.detail ?? null,
			)
			.one();
		if (id % 100 === 0) this.sql.exec("DELETE FROM audit_log WHERE id <= ?", id - this.keep);
	}

	/** Up to `limit` entries before `before`, newest first. */
	before(before: number, limit: number): AuditEntry[] {
		return this.sql
			.exec<Row>(
				"SELECT id, at, actor, role, action, target, detail FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?",
				before,
				limit,
			)
			.toArray()
			.map((r) => ({
				id: r.id,
				at: r.at,
				actor: r.actor,
				role: r.role as AuditEntry["role"],
				action: r.action as AuditAction,
				...(r.target !== null && { target: r.target }),
				...(r.detail !== null && { detail: r.detail }),
			}));
	}
}
