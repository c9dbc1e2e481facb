/**
 * What a name and a message may contain, and the form of a name the room
 * compares. Both the room (which enforces) and the page (which explains)
 * use these schemas.
 */
import * as v from "valibot";
import { LIMITS } from "./limits";

/** Invisible, control and direction-changing characters: refused in names, so that no name hides characters. */
const NAME_FORBIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]/u;
/** Control characters other than newline and tab, and bidi overrides/isolates: stripped from messages. */
const MESSAGE_STRIPPED = /[^\P{Cc}\n\t]|[\u202A-\u202E\u2066-\u2069]/gu;

/** The form of a name the room compares: two names are the same person's if these match. */
export function nameKey(name: string): string {
	return name.normalize("NFKC").trim().toLowerCase();
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

export const NameSchema = v.pipe(
	v.string("A name must be text"),
	v.transform((s) => s.normalize("NFKC").trim()),
	v.nonEmpty("Please enter a name"),
	v.maxLength(LIMITS.nameMax, `A name can be at most ${LIMITS.nameMax} characters`),
	v.check((s) => !NAME_FORBIDDEN.test(s), "A name cannot contain invisible, control or direction-changing characters"),
	v.check(
		(s) => !mixesLookAlikeScripts(s),
		"A name cannot mix Latin, Greek and Cyrillic letters, which look alike: write it in one of them",
	),
);

export const MessageTextSchema = v.pipe(
	v.string("A message must be text"),
	v.transform((s) => s.replace(/\r\n?/g, "\n").replace(MESSAGE_STRIPPED, "").trim()),
	v.nonEmpty("A message cannot be empty"),
	v.maxLength(LIMITS.messageMax, `A message can be at most ${LIMITS.messageMax} characters`),
);
