/**
 * The audit log: every moderation action, with who, what, whom and when,
 * kept in the room for its owners and moderators to read. Nothing of a
 * deleted message's text is written here: deleting removes the text.
 */
import type { AuditAction, AuditEntry, StaffMember } from "../../protocol";
import { AuditStore } from "../store/audit-log";

/** Entries a room keeps; older ones are trimmed as new ones come. */
const KEEP = 1000;
/** Entries in one page of the log. */
export const AUDIT_PAGE = 50;

export class AuditLog {
	readonly #store: AuditStore;

	constructor(sql: SqlStorage) {
		this.#store = new AuditStore(sql, KEEP);
	}

	record(
		actor: { name: string; role: StaffMember["role"] },
		action: AuditAction,
		target?: string,
		detail?: string,
		now = Date.now(),
	): void {
		this.#store.append({ at: now, actor: actor.name, role: actor.role, action, target, detail });
	}

	/** A page, newest first, before the entry `before` (from the newest without it). */
	page(before = Number.MAX_SAFE_INTEGER): { entries: AuditEntry[]; hasMore: boolean } {
		const entries = this.#store.before(before, AUDIT_PAGE + 1);
		return { entries: entries.slice(0, AUDIT_PAGE), hasMore: entries.length > AUDIT_PAGE };
	}
}
