/**
 * SQLite keeps text as UTF-8, which cannot hold a lone UTF-16 surrogate:
 * workerd writes one as other bytes, and they read back as another string
 * (each surrogate as three U+FFFD). A key that reads back differently from
 * the one written never matches again. The protocol lets in only
 * well-formed text; the stores check again, so that nothing the room writes
 * can read back differently, whatever a future caller passes.
 */

/**
 * Throws unless every text is well-formed UTF-16.
 * @example wellFormed("Ana", "hi 👋") // passes; wellFormed("g\ud800") throws
 */
export function wellFormed(...texts: string[]): void {
	for (const text of texts) {
		if (!text.isWellFormed()) throw new TypeError("Refusing to store text that would read back differently");
	}
}

const encoder = new TextEncoder();

/** Whether stored text (`bytes`, as SQLite holds it) is exactly the UTF-8 of the string it reads back as. */
export function readsBackSame(text: string, bytes: ArrayBuffer): boolean {
	const written = new Uint8Array(bytes);
	const read = encoder.encode(text);
	return read.length === written.length && read.every((b, i) => b === written[i]);
}
