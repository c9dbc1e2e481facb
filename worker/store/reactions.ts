/**
 * Who reacted to which message with which emoji, in the room's SQLite
 * storage: one row per message, emoji and person (device key). Lines read
 * them with their messages (messages.ts).
 */
import type { Emoji } from "../../protocol";

export class ReactionStore {
	constructor(private readonly sql: SqlStorage) {}

	has(target: number, emoji: Emoji, device: string): boolean {
		return (
			this.sql
				.exec("SELECT 1 FROM reactions WHERE target = ? AND emoji = ? AND user_key = ?", target, emoji, device)
				.toArray().length > 0
		);
	}

	count(target: number, emoji: Emoji): number {
		return this.sql
			.exec<{ n: number }>("SELECT COUNT(*) AS n FROM reactions WHERE target = ? AND emoji = ?", target, emoji)
			.one().n;
	}

	/** Adds a reaction; `seq` is the change that adds it, and orders the names. */
	add(target: number, emoji: Emoji, device: string, name: string, seq: number): void {
		this.sql.exec(
			"INSERT OR IGNORE INTO reactions (target, emoji, user_key, name, seq) VALUES (?, ?, ?, ?, ?)",
			target,
			emoji,
			device,
			name,
			seq,
		);
	}

	remove(target: number, emoji: Emoji, device: string): void {
		this.sql.exec("DELETE FROM reactions WHERE target = ? AND emoji = ? AND user_key = ?", target, emoji, device);
	}

	/** Every reaction to a message goes (it was deleted). */
	removeAll(target: number): void {
		this.sql.exec("DELETE FROM reactions WHERE target = ?", target);
	}

	/** Reactions to messages up to `seq` go with them (trimming). */
	removeUpTo(seq: number): void {
		this.sql.exec("DELETE FROM reactions WHERE target <= ?", seq);
	}
}
