/**
 * The page's state outside the chat, all the first screen needs: which
 * screen shows, the room in the URL, the name asked for and the room's
 * answer, and the unread count in the title. The chat itself (its socket,
 * its state, its components) is a chunk loaded on the way in: see
 * chat-loader.ts, which also holds entering it. This store knows nothing of
 * the chat: the chat's session reads and sets it.
 */
import { signal } from "@preact/signals";
// Not the protocol's index, which would bring every frame's schema to the first screen (as in JoinDialog).
import { base64url, randomSecret } from "../../protocol/secrets";
import { remember } from "./room-memory";
import { roomFromPath } from "./room-name";
import { keepSecret } from "./room-secrets";
import { unreadMentions } from "./tab-badge";

export type Screen = "landing" | "dialog" | "chat";

const NAME_KEY = "hashzap:name";
/** The private room this tab has just made: it opens at the Welcome dialog (resume.ts). */
export const NEW_ROOM_KEY = "hashzap:new-room";

/** The room this page is for: the URL names it, and it does not change. */
export const roomName = roomFromPath(location.pathname);
export const screen = signal<Screen>("landing");
/** The name being asked for: set while the dialog waits for the room's answer. */
export const joining = signal(false);
export const savedName = signal(readStorage(NAME_KEY) ?? "");
/** The last error the room sent (a refused name, a rate limit), shown by the dialog and the chat. */
export const roomError = signal<{ code: string; reason: string } | null>(null);
export const unread = signal(0);
/** True while the dialog asks for another name from inside the chat. */
export const renaming = signal(false);

/**
 * The room said yes to this name: the chat shows, the name is offered next
 * time, and this device goes straight back into this room under it.
 */
export function joined(name: string): void {
	joining.value = false;
	renaming.value = false;
	screen.value = "chat";
	savedName.value = name;
	writeStorage(NAME_KEY, name);
	remember(roomName, { name });
}

/**
 * Opens a room nobody can guess: 128 random bits in the URL. It opens at the
 * Welcome dialog. This device makes the room's owner secret too, and
 * registers it on joining.
 */
export function newPrivateRoom(): void {
	const name = base64url(crypto.getRandomValues(new Uint8Array(16)));
	keepSecret(name, randomSecret());
	try {
		sessionStorage.setItem(NEW_ROOM_KEY, name);
	} catch {
		// without storage the new room opens at its landing page, one click further
	}
	location.assign(`/r/${name}`);
}

export function clearUnread(): void {
	unread.value = 0;
	unreadMentions.value = 0;
}

export function readStorage(key: string): string | null {
	try {
		return localStorage.getItem(key);
	} catch {
		return null;
	}
}

export function writeStorage(key: string, value: string): void {
	try {
		localStorage.setItem(key, value);
	} catch {
		// storage may be disabled; the name is then asked for each time
	}
}
