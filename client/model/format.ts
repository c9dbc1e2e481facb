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

/**
 * How many avatar colours there are (.avatar-0 … in styles.css): ten that
 * stay apart in OKLab (no two closer than 0.13), each dark enough for white
 * initials at 4.5:1. More colours would sit closer together.
 */
export const AVATAR_COLOURS = 10;

/** The colour a name prefers: always the same for a name (FNV-1a, so similar names spread). */
export function avatarColour(name: string): number {
	let hash = 0x811c9dc5;
	for (const ch of name.toLowerCase()) hash = Math.imul(hash ^ (ch.codePointAt(0) ?? 0), 0x01000193) >>> 0;
	return hash % AVATAR_COLOURS;
}

/**
 * Colours for the people in a room, all different while there are at most
 * AVATAR_COLOURS of them: each keeps the colour its name prefers unless an
 * earlier name (in the given order) took it, then takes the next free one.
 * @example distinctColours(["Dora", "Ana Maria"]) // two different colours, even if both prefer amber
 */
export function distinctColours(names: readonly string[]): Map<string, number> {
	const colours = new Map<string, number>();
	const taken = new Set<number>();
	const bumped: string[] = [];
	// First everyone whose own colour is free, so that an arrival moves as few people as possible.
	for (const name of names) {
		const own = avatarColour(name);
		if (taken.has(own)) bumped.push(name);
		else {
			colours.set(name, own);
			taken.add(own);
		}
	}
	for (const name of bumped) {
		let colour = avatarColour(name);
		for (let i = 0; i < AVATAR_COLOURS && taken.has(colour); i++) colour = (colour + 1) % AVATAR_COLOURS;
		colours.set(name, colour);
		taken.add(colour);
	}
	return colours;
}

// Made once: a formatter is costly to make, and every line of the history uses one.
// A numeric hour: "1:34 PM", not "01:34 PM".
const TIME = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const DATE = new Intl.DateTimeFormat(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric" });

export function timeOf(at: number): string {
	return TIME.format(at);
}

/** The time without AM/PM ("1:34"), for the narrow place beside a grouped message. */
export function shortTimeOf(at: number): string {
	return TIME.formatToParts(at)
		.filter((p) => p.type === "hour" || p.type === "minute" || (p.type === "literal" && p.value.trim() !== ""))
		.map((p) => p.value)
		.join("");
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
