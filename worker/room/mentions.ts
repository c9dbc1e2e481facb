/**
 * Mentions: the room decides who a message names with `@Name`, against the
 * names it has seen recently (everyone who joined, not only who is online),
 * and sends the list with the message so that no client has to guess.
 *
 * Names are stored and looked up by one key, the protocol's nameKey (NFKC,
 * spaces, case): the key the page uses to highlight a mention of its user.
 * Not by the look-alike skeleton the room uses to keep "Sarn" out while Sam
 * is here: that key turns m into rn and 0 into o, so a mention looked up by
 * one key and stored by the other never found Sam, Emma or Carl0s (#26), and
 * looking up by the skeleton would let "@Sarn" call Sam.
 */
import { foldName, LIMITS, nameKey } from "../../protocol";
import { NameStore } from "../store/names";
import type { Joined } from "./connections";

/** Names are looked up by their nameKey; a Map of nameKey → name is one. */
export interface KnownNames {
	get(key: string): string | undefined;
}

/** Most `@` in one message the room looks at: a message of 2000 `@` costs no more than this. */
const MAX_TRIES = 20;
const WORD = /[\p{L}\p{N}\p{M}_]/u;
/** The longest a name's key can be: lower case may lengthen a letter ("İ" is two code units folded). */
const MAX_KEY = LIMITS.nameMax * 2;

/**
 * The names a text mentions, each once, in order, as the room knows them.
 * An `@` counts at the start or after a non-word character (so not in
 * `ana@example.com`); the longest known name that follows it and ends at a
 * word's end wins (`@Ada Lovelace` over `@Ada`), unless all it adds to a
 * shorter known name is punctuation: `@Ana:` calls Ana, never a name "Ana:"
 * made to catch her mentions. Letters are read whole, astral ones too.
 * @example findMentions("hi @ANA!", new Map([[nameKey("Ana"), "Ana"]])) // ["Ana"]
 */
export function findMentions(text: string, known: KnownNames): string[] {
	const found: string[] = [];
	let tries = 0;
	for (let at = text.indexOf("@"); at !== -1 && tries < MAX_TRIES; at = text.indexOf("@", at + 1)) {
		if (at > 0 && WORD.test(charBefore(text, at))) continue;
		tries += 1;
		// Folded as nameKey folds a name; folding may lengthen text, so take a generous slice before cutting to a key's length.
		const tail = foldName(text.slice(at + 1, at + 1 + LIMITS.nameMax * 4));
		let best: { name: string; end: number } | undefined;
		for (let end = Math.min(MAX_KEY, tail.length); end > 0; end--) {
			if (end < tail.length && (isLowSurrogate(tail, end) || WORD.test(charAt(tail, end)))) continue;
			// A shorter name is only wanted while all the longer one adds is punctuation.
			if (best && WORD.test(tail.slice(end, best.end))) break;
			const name = known.get(tail.slice(0, end));
			if (name !== undefined) best = { name, end };
		}
		if (best && !found.includes(best.name)) found.push(best.name);
	}
	return found;
}

/** The whole character before index `i` (both halves of a surrogate pair). */
function charBefore(text: string, i: number): string {
	return i >= 2 && isLowSurrogate(text, i - 1) ? text.slice(i - 2, i) : text.slice(i - 1, i);
}

/** The whole character at index `i`. */
function charAt(text: string, i: number): string {
	return String.fromCodePoint(text.codePointAt(i) as number);
}

function isLowSurrogate(text: string, i: number): boolean {
	const unit = text.charCodeAt(i);
	return unit >= 0xdc00 && unit <= 0xdfff;
}

export class Mentions {
	readonly #names: NameStore;

	constructor(sql: SqlStorage) {
		this.#names = new NameStore(sql);
	}

	/** Someone joined: their name can be mentioned from now on, even after they leave. */
	remember(who: Joined, now = Date.now()): void {
		this.#names.seen(nameKey(who.name), who.name, now);
	}

	/** The names a message mentions, or undefined for none (the line then carries no field). */
	find(text: string): string[] | undefined {
		if (!text.includes("@")) return undefined;
		const names = findMentions(text, this.#names);
		return names.length > 0 ? names : undefined;
	}
}
