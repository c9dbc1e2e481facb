/**
 * Pure helpers for showing messages: initials and colours for avatars,
 * times, days, and the split of a text into plain parts and links.
 */

/** Up to two initials: "Ada Lovelace" → "AL", "zé" → "Z". */
export function initials(name: string): string {
	const words = name.trim().split(/\s+/).filter(Boolean);
	const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0] ?? "?"];
	return letters.map((w) => [...(w ?? "?")][0]?.toUpperCase() ?? "?").join("");
}

/** One of AVATAR_COLOURS palette entries, always the same for a name. */
export const AVATAR_COLOURS = 12;
export function avatarColour(name: string): number {
	let hash = 0;
	for (const ch of name.toLowerCase()) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
	return hash % AVATAR_COLOURS;
}

// Made once: a formatter is costly to make, and every line of the history uses one.
const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const DATE = new Intl.DateTimeFormat(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric" });

export function timeOf(at: number): string {
	return TIME.format(at);
}

/** The local calendar day of a time as a number (20261125): two times share a day when their keys are equal. */
export function dayKey(at: number): number {
	const d = new Date(at);
	return d.getFullYear() * 10_000 + (d.getMonth() + 1) * 100 + d.getDate();
}

/** "Today", "Yesterday", or the date in full, for the day separator of a line sent at `at`. */
export function dayLabel(at: number, now: number): string {
	const day = dayKey(at);
	if (day === dayKey(now)) return "Today";
	const today = new Date(now);
	if (day === dayKey(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1).getTime()))
		return "Yesterday";
	return DATE.format(at);
}

export type TextPart = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/**
 * Splits text into plain parts and http(s) links, for rendering as nodes (never as HTML).
 * @example linkParts("see https://a.io.") // [{kind:"text",text:"see "},{kind:"link",…"https://a.io"},{kind:"text",text:"."}]
 */
export function linkParts(text: string): TextPart[] {
	const parts: TextPart[] = [];
	let last = 0;
	for (const match of text.matchAll(URL_PATTERN)) {
		// Trailing punctuation usually ends the sentence, not the link.
		const url = match[0].replace(/[.,;:!?)\]]+$/, "");
		const start = match.index;
		if (start > last) parts.push({ kind: "text", text: text.slice(last, start) });
		parts.push({ kind: "link", text: url, href: url });
		last = start + url.length;
	}
	if (last < text.length) parts.push({ kind: "text", text: text.slice(last) });
	return parts;
}
