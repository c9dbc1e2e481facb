/**
 * What a name, a room title and a message may contain, and the form of a
 * name the room compares. Both the room (which enforces) and the page (which
 * explains, and counts toward the limits) use these schemas.
 *
 * Only well-formed UTF-16 gets through. SQLite keeps text as UTF-8, which
 * cannot hold a lone surrogate: such a string would be stored as other
 * bytes and read back as another string, and a name key that reads back
 * differently never matches again (a member who never leaves).
 */
import * as v from "valibot";
import { LIMITS } from "./limits";

/**
 * Characters that hide in a name: controls, format, private-use and
 * separator characters (Cc, Cf, Co, Zl, Zp); every default-ignorable code
 * point, which fonts draw as nothing (the combining grapheme joiner U+034F,
 * variation selectors, tags, U+17B5, U+180B…); and the blank letters drawn
 * as nothing: the braille blank U+2800 and the Hangul fillers. Any of them
 * after a present name makes a copy that looks the same.
 */
const NAME_FORBIDDEN =
	/[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800\u115F\u1160\u3164\uFFA0]/u;
/**
 * The emoji presentation selectors (U+FE0E text, U+FE0F emoji) right after
 * an emoji: the one place a default-ignorable character is part of what is
 * seen ("❤️" from a phone keyboard). Names compare without them, so
 * "Lu ❤️" and "Lu ❤" are one name and neither can copy the other.
 */
const EMOJI_PRESENTATION = /(?<=\p{Emoji})[\uFE0E\uFE0F]/gu;
/** Control characters other than newline and tab, and bidi overrides/isolates: stripped from messages. */
const MESSAGE_STRIPPED = /[^\P{Cc}\n\t]|[\u202A-\u202E\u2066-\u2069]/gu;

/**
 * A name as the room stores and shows it: NFKC, trimmed, each run of spaces
 * inside it one space ("Ana  Silva" is "Ana Silva").
 * @example normalizeName(" Ana \u3000 Silva ") // "Ana Silva"
 */
export function normalizeName(name: string): string {
	return name
		.normalize("NFKC")
		.trim()
		.replace(/\p{Zs}+/gu, " ");
}

/**
 * Text folded the way names are compared (NFKC, each run of spaces one
 * space, no emoji presentation selectors, lower case), but not trimmed: for
 * reading a name out of running text, where `@Ana  Silva` calls Ana Silva.
 * @example foldName("Hi ＡＮＡ") // "hi ana"
 */
export function foldName(text: string): string {
	return text
		.normalize("NFKC")
		.replace(/\p{Zs}+/gu, " ")
		.replace(EMOJI_PRESENTATION, "")
		.toLowerCase();
}

/**
 * The form of a name the room compares: two names are the same person's if
 * these match. It is also whom `@Name` calls, in the room (mentions, pushes)
 * and in the page (the highlight, the `@` list). Look-alike names ("Sarn"
 * for "Sam") are kept apart by a second key, the worker's skeleton, which
 * decides only who may hold a name, never whom a mention calls.
 * @example nameKey(" ＡＮＡ ") // "ana"
 */
export function nameKey(name: string): string {
	return foldName(name).trim();
}

/**
 * The scripts whose letters look alike (UTS #39 singles out Cyrillic and
 * Greek beside Latin). A name may use any one of them, with digits,
 * punctuation and letters of other scripts, but not two: "Аna" with a
 * Cyrillic А is refused rather than compared.
 */
const LOOK_ALIKE_SCRIPTS = [
	/\p{Script_Extensions=Latin}/u,
	/\p{Script_Extensions=Greek}/u,
	/\p{Script_Extensions=Cyrillic}/u,
];

/**
 * Whether a name's letters come from more than one look-alike script. A
 * character counts for each script it is used in (Script_Extensions), so a
 * mark shared by two of them mixes nothing.
 * @example mixesLookAlikeScripts("Аna") // true: Cyrillic А, Latin n and a
 */
export function mixesLookAlikeScripts(name: string): boolean {
	let possible = 0b111;
	for (const ch of name) {
		let scripts = 0;
		LOOK_ALIKE_SCRIPTS.forEach((script, i) => {
			if (script.test(ch)) scripts |= 1 << i;
		});
		if (scripts !== 0) possible &= scripts;
		if (possible === 0) return true;
	}
	return false;
}

/**
 * One line a person chooses and others read (a name, a room's title): well
 * formed, normalized like a name, within `max` characters, and refused, never
 * stripped, when it would hide a character.
 */
function lineSchema(what: "name" | "title", max: number) {
	return v.pipe(
		v.string(`A ${what} must be text`),
		v.check((s) => s.isWellFormed(), `A ${what} cannot contain broken characters (a lone UTF-16 surrogate)`),
		v.transform(normalizeName),
		v.nonEmpty(`Please enter a ${what}`),
		v.maxLength(max, `A ${what} can be at most ${max} characters`),
		v.check(
			(s) => !NAME_FORBIDDEN.test(s.replace(EMOJI_PRESENTATION, "")),
			`A ${what} cannot contain invisible, control or direction-changing characters`,
		),
	);
}

export const NameSchema = v.pipe(
	lineSchema("name", LIMITS.nameMax),
	v.check(
		(s) => !mixesLookAlikeScripts(s),
		"A name cannot mix Latin, Greek and Cyrillic letters, which look alike: write it in one of them",
	),
);

/** A room's display title: one line, held to a name's rules, so that no title hides characters either. */
export const RoomTitleSchema = lineSchema("title", LIMITS.titleMax);

/**
 * A message as the room keeps it, and what its length limit counts. A lone
 * surrogate is replaced with U+FFFD (toWellFormed), not refused: an honest
 * client makes one only by cutting text between the two halves of a pair,
 * and one broken character should not cost the message. The replacement
 * keeps the length, and what everyone sees is what is stored.
 */
export function normalizeMessage(text: string): string {
	return text.toWellFormed().replace(/\r\n?/g, "\n").replace(MESSAGE_STRIPPED, "").trim();
}

export const MessageTextSchema = v.pipe(
	v.string("A message must be text"),
	v.transform(normalizeMessage),
	v.nonEmpty("A message cannot be empty"),
	v.maxLength(LIMITS.messageMax, `A message can be at most ${LIMITS.messageMax} characters`),
);
