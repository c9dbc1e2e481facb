/**
 * The secrets this device holds per room (docs/moderation.md): the owner
 * secret "New private room" made, or one taken from an owner, moderator or
 * operator link. Kept in localStorage and presented with `claim` before each
 * join. Small and on the first screen: the link's secret leaves the address
 * bar as soon as the page loads, before anyone can copy the address on.
 */
// Not the protocol's index, which would bring every frame's schema to the first screen.
import { SECRET } from "../../protocol/secrets";

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
	const match = /^#(owner|mod|operator)=(.+)$/.exec(location.hash);
	if (!match?.[2] || !SECRET.test(match[2])) return;
	keepSecret(room, match[2]);
	history.replaceState(null, "", location.pathname + location.search);
}
