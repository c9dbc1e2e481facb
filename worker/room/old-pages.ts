/**
 * What a page older than CHANGES_VERSION is sent. It would choke on a change
 * line (it takes any kind but chat for an arrival or departure, and drops the
 * name from its online list), so it gets none; it gets each message with
 * only the fields it knows, a deleted one as a line saying so. For an edit
 * or a delete it is sent the message again in its new state, under its own
 * seq, which such a page merges in place of the old one. versions.ts says
 * which pages these are.
 */
import { type ChatMessage, isChange, type Line } from "../../protocol";

export const DELETED_TEXT = "This message was deleted";

/** A message as a page older than CHANGES_VERSION knows it. */
export function forOldPage(m: ChatMessage): ChatMessage {
	return { seq: m.seq, id: m.id, kind: m.kind, name: m.name, text: m.deleted ? DELETED_TEXT : m.text, at: m.at };
}

/** Lines for a page older than CHANGES_VERSION: the messages among them, as it knows them. */
export function linesForOldPage(lines: Line[]): ChatMessage[] {
	return lines.flatMap((l) => (isChange(l) ? [] : [forOldPage(l)]));
}
