/**
 * The forms of a name the room compares, so that two names that look the
 * same are the same name: NFKC, case, and the confusable skeleton of
 * Unicode's UTS #39 ("Аna" with a Cyrillic А, "AnaI" with a capital I for
 * the l, "Kirn" for "Kim").
 *
 * The confusables table is Unicode's confusables.txt as the `unhomoglyph`
 * package ships it (the table Matrix uses to tell display names apart); it
 * runs only here, in the room: the page never downloads it, it shows the
 * room's refusal.
 */
import confusables from "unhomoglyph/data.json";
import { nameKey } from "../../protocol";

const prototypes = new Map<string, string>(Object.entries(confusables));
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * UTS #39's skeleton: NFD, drop default-ignorable code points, replace each
 * character by its prototype, NFD again. Not for display: only for comparing.
 * @example skeleton("Роса") === skeleton("Poca") // true
 */
export function skeleton(text: string): string {
	let out = "";
	for (const ch of text.normalize("NFD").replace(IGNORABLE, "")) out += prototypes.get(ch) ?? ch;
	return out.normalize("NFD");
}

/**
 * Two keys, because case and look-alikes do not commute: folding case first
 * keeps "ANAIS" and "anais" together, while the look-alikes of capitals
 * ("ΑΝΑ" in Greek for "ANA", "AnaI" for "Anal") only show before folding.
 * A name is taken when either key matches someone else's.
 * @example nameKeys("ΑΝΑ").look === nameKeys("Ana").look // true
 */
export function nameKeys(name: string): { key: string; look: string } {
	const folded = nameKey(name);
	return {
		// The case-folded skeleton, folded again: "0" → "O" → "o".
		key: skeleton(folded).toLowerCase(),
		look: skeleton(name.normalize("NFKC").trim()).toLowerCase(),
	};
}
