/**
 * Quiet presence: consecutive join and leave lines read as one line ("Ana,
 * Bruno and 3 others joined"), so that reloads, closed tabs and dropped
 * phones do not bury the conversation. Pure functions, no DOM.
 */
import type { ChatMessage } from "../../protocol";

/** Who a run of join and leave lines leaves here and gone: each person once, by what they did last. */
export interface PresenceRun {
	joined: string[];
	left: string[];
}

export const isPresence = (m: ChatMessage) => m.kind === "join" || m.kind === "leave";

/**
 * Folds a run of consecutive join and leave lines.
 * @example foldPresence([join("Ana"), join("Bruno"), leave("Ana")]) // { joined: ["Bruno"], left: ["Ana"] }
 */
export function foldPresence(lines: ChatMessage[]): PresenceRun {
	// A Map keeps each person where they first appear, with what they did last.
	const last = new Map<string, ChatMessage["kind"]>();
	for (const line of lines) last.set(line.name, line.kind);
	const joined: string[] = [];
	const left: string[] = [];
	for (const [name, kind] of last) (kind === "join" ? joined : left).push(name);
	return { joined, left };
}

/** A list of names as the line shows it: names as names, the rest as the room's own words. */
export type NamePart = { name: string } | string;

/**
 * Up to three names in full, more as the first two "and N others".
 * @example nameList(["Ana", "Bruno", "Carla", "Dora"]) // [{name:"Ana"}, ", ", {name:"Bruno"}, " and 2 others"]
 */
export function nameList(names: string[]): NamePart[] {
	const shown = names.length > 3 ? names.slice(0, 2) : names;
	const parts: NamePart[] = [];
	shown.forEach((name, i) => {
		if (i > 0) parts.push(i === shown.length - 1 && names.length <= 3 ? " and " : ", ");
		parts.push({ name });
	});
	if (names.length > 3) parts.push(` and ${names.length - 2} others`);
	return parts;
}
