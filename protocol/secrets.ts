/**
 * What a secret looks like (the owner secret, a moderator link's, the
 * operator token: what a link carries after `#owner=`, `#mod=` or
 * `#operator=`), and how one is made. The page makes the owner secret of a
 * new private room and the room makes the links' secrets; the room accepts
 * only this shape. No imports: the first screen reads a link's secret.
 */

/** 16–128 base64url characters. */
export const SECRET = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * Bytes as base64url without padding: what fits in a URL unescaped.
 * @example base64url(new Uint8Array([251, 255])) // "-_8"
 */
export function base64url(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes))
		.replace(/\+/g, "-")
		.replace(/\//g, "_")
		.replace(/=+$/, "");
}

/** 256 random bits in base64url (43 characters): a new secret. */
export function randomSecret(): string {
	return base64url(crypto.getRandomValues(new Uint8Array(32)));
}
