/**
 * The secrets this device holds per room (docs/moderation.md): the owner
 * secret "New private room" made, or one taken from an owner, moderator or
 * operator link. Kept in localStorage and presented with `claim` before each
 * join. Small and on the first screen: the link's secret leaves the address
 * bar as soon as the page loads, before anyone can copy the address on.
 */

const secretKey = (room: string) => `hashzap:secret:${room}`;

export function secretFor(room: string): string | null {
	try {
		return localStorage.getItem(secretKey(room));
	} catch {
		return null;
	}
}

export function keepSecret(room: string, secret: string): void {
	try {
		localStorage.setItem(secretKey(room), secret);
	} catch {
		// storage disabled: the secret works for this page only
	}
}

export function dropSecret(room: string): void {
	try {
		localStorage.removeItem(secretKey(room));
	} catch {
		// nothing kept
	}
}

/**
 * Takes a secret from the address's fragment (`#owner=…`, `#mod=…`,
 * `#operator=…`; a fragment never reaches a server log), keeps it for the
 * room, and removes it from the address bar and the history, so it is not
 * copied on with the room's link.
 */
export function takeSecretFromAddress(room: string): void {
	const match = /^#(owner|mod|operator)=([A-Za-z0-9_-]{16,128})$/.exec(location.hash);
	if (!match?.[2]) return;
	keepSecret(room, match[2]);
	history.replaceState(null, "", location.pathname + location.search);
}

/** 256 random bits in base64url: the owner secret "New private room" makes. */
export function newSecret(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	return btoa(String.fromCharCode(...bytes))
		.replace(/\+/g, "-")
		.replace(/\//g, "_")
		.replace(/=+$/, "");
}
