/**
 * What each protocol version may receive (docs/protocol.md, "Versions"):
 * lines are cut down to what the client's version knows before they are
 * sent, by the welcome, a sync, a page of history and a broadcast alike.
 * Lines for the newest version pass through untouched.
 *
 * - 7 (ATTENTION_VERSION) and newer: everything, `mentions` included.
 * - 5 and 6 (CHANGES_VERSION; 6 is moderation's, which this code does not
 *   speak, so it is served as 5): every line, without `mentions`.
 * - 4 and older: messages only, as old-pages.ts says; before 4, a title
 *   line as room-title.ts says.
 */
import { ATTENTION_VERSION, CHANGES_VERSION, type ChatMessage, type Line } from "../../protocol";
import { linesForOldPage } from "./old-pages";
import { TITLE_VERSION, titleLinesFor } from "./room-title";

/** The versions whose lines differ: one serialization per class serves every socket in it. */
export function versionClass(version: number): number {
	if (version >= ATTENTION_VERSION) return ATTENTION_VERSION;
	if (version >= CHANGES_VERSION) return CHANGES_VERSION;
	return version >= TITLE_VERSION ? TITLE_VERSION : 1;
}

/** The lines as a page of `version` can take them (the same array when nothing changes). */
export function linesForPage(version: number, lines: Line[]): Line[] {
	if (version >= ATTENTION_VERSION) return lines;
	if (version >= CHANGES_VERSION) return withoutMentions(lines);
	return titleLinesFor(version, linesForOldPage(lines));
}

/** A page of messages (no changes in it) as a page of `version` can take it. */
export function messagesForPage(version: number, messages: ChatMessage[]): ChatMessage[] {
	return linesForPage(version, messages) as ChatMessage[];
}

/**
 * Lines without the field a page older than ATTENTION_VERSION does not know.
 * @example withoutMentions([{ ...line, mentions: ["Ana"] }]) // [line]
 */
export function withoutMentions<L extends Line>(lines: L[]): L[] {
	if (!lines.some((l) => l.mentions !== undefined)) return lines;
	return lines.map((l) => {
		if (l.mentions === undefined) return l;
		const { mentions: _, ...older } = l;
		return older as L;
	});
}
