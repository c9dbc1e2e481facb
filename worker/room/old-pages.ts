/**
 * What a page older than CHANGES_VERSION is sent. It would choke on a change
 * line (it takes any kind but chat for an arrival or departure, and drops the
 * name from its online list), so it gets none; it gets each message with
 * only the fields it knows, a deleted one as a line saying so. For an edit
 * or a delete it is sent the message again in its new state, under its own
 * seq, which such a page merges in place of the old one.
 */
import { CHANGES_VERSION, type ChatMessage, isChange, type Line, linesForVersion, REMOVED_TEXT } from "../../protocol";
import { linesFor } from "./room-title";

export const DELETED_TEXT = "This message was deleted";

/** A message as a page older than CHANGES_VERSION knows it. */
export function forOldPage(m: ChatMessage): ChatMessage {
	const text = m.deleted === "moderator" ? REMOVED_TEXT : m.deleted ? DELETED_TEXT : m.text;
	return { seq: m.seq, id: m.id, kind: m.kind, name: m.name, text, at: m.at };
}

/** Lines for a page older than CHANGES_VERSION: the messages among them, as it knows them. */
export function linesForOldPage(lines: Line[]): ChatMessage[] {
	return lines.flatMap((l) => (isChange(l) ? [] : [forOldPage(l)]));
}

/**
 * The lines as a page of `version` can take them: all of them from
 * CHANGES_VERSION on, with only the fields it knows (linesForVersion:
 * no `mentions` before 7, no moderation before 6);
 * before, the messages as it knows them, and before titles, a title line as
 * such a page takes it too (room-title.ts).
 */
export function linesForPage(version: number, lines: Line[]): Line[] {
	return version >= CHANGES_VERSION ? linesForVersion(lines, version) : linesFor(version, linesForOldPage(lines));
}

/** A page of messages (no changes in it) as a page of `version` can take it. */
export function messagesForPage(version: number, messages: ChatMessage[]): ChatMessage[] {
	return version >= CHANGES_VERSION ? linesForVersion(messages, version) : linesFor(version, linesForOldPage(messages));
}
