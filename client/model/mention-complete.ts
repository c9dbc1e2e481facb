/**
 * Completing `@names` in the message field, as pure functions a test can
 * call: which `@word` the caret is in, which names fit it, and the text once
 * one is chosen. The room decides who a message mentions; this only helps
 * the user type a name the way the room knows it.
 */
import { type ChatMessage, LIMITS, nameKey } from "../../protocol";

/** The `@word` being typed: from the `@` (start) to the caret (end). */
export interface MentionQuery {
	start: number;
	end: number;
	query: string;
}

/** Most names the list shows. */
export const MAX_CHOICES = 8;
const WORD = /[\p{L}\p{N}\p{M}_]/u;

/**
 * The `@word` the caret is in, if any: an `@` at the start or after a non-word
 * character, with at most a name's length and no line break before the caret.
 * @example mentionAt("hi @an", 6) // { start: 3, end: 6, query: "an" }
 */
export function mentionAt(text: string, caret: number): MentionQuery | null {
	const from = Math.max(0, caret - LIMITS.nameMax - 1);
	const at = text.lastIndexOf("@", caret - 1);
	if (at < from) return null;
	if (at > 0 && WORD.test(text[at - 1] as string)) return null;
	const query = text.slice(at + 1, caret);
	if (query.includes("\n") || query.startsWith(" ")) return null;
	return { start: at, end: caret, query };
}

/**
 * The room's members to offer: who is online, then who wrote recently,
 * newest first; each person once (as the room compares names), never oneself.
 */
export function memberNames(online: string[], messages: ChatMessage[], me: string | null): string[] {
	const seen = new Set(me ? [nameKey(me)] : []);
	const names: string[] = [];
	const add = (name: string) => {
		const key = nameKey(name);
		if (seen.has(key)) return;
		seen.add(key);
		names.push(name);
	};
	online.forEach(add);
	for (let i = messages.length - 1; i >= 0 && names.length < 200; i--) add((messages[i] as ChatMessage).name);
	return names;
}

/** The names that begin with what was typed (compared as the room compares names). */
export function choicesFor(query: string, names: string[]): string[] {
	const typed = nameKey(query);
	return names.filter((n) => nameKey(n).startsWith(typed)).slice(0, MAX_CHOICES);
}

/**
 * The text with the `@word` replaced by the chosen name and a space, and where the caret goes.
 * @example complete("hi @an!", { start: 3, end: 6, query: "an" }, "Ana") // { text: "hi @Ana !", caret: 8 }
 */
export function complete(text: string, at: MentionQuery, name: string): { text: string; caret: number } {
	const inserted = `@${name} `;
	return { text: text.slice(0, at.start) + inserted + text.slice(at.end), caret: at.start + inserted.length };
}

/** Whether a line (a message, or an edit of one) mentions this user: the room's list, compared as the room compares names. */
export function mentionsMe(line: { mentions?: string[] | undefined }, me: string | null): boolean {
	if (!me || !line.mentions) return false;
	const key = nameKey(me);
	return line.mentions.some((n) => nameKey(n) === key);
}
