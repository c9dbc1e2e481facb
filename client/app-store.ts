/**
 * The page's state outside the chat, all the first screen needs: which
 * screen shows, the room in the URL, the name asked for and the room's
 * answer, and the unread count in the title. The chat itself (its socket,
 * its state, its components) is a chunk loaded on the way in: see
 * chat-chunk.ts and chat-store.ts.
 */
import { signal } from "@preact/signals";
// Not the protocol's index, which would bring every frame's schema to the first screen (as in JoinDialog).
import { DEFAULT_ROOM, isRoomName } from "../protocol/limits";
import { base64url, randomSecret } from "../protocol/secrets";
import { loadChat } from "./chat-chunk";
import { remember } from "./room-memory";
import { keepSecret, takeSecretFromAddress } from "./room-secrets";
import { unreadMentions } from "./tab-badge";

export type Screen = "landing" | "dialog" | "chat";

const NAME_KEY = "hashzap:name";
/** The private room this tab has just made: it opens at the Welcome dialog (session.ts). */
export const NEW_ROOM_KEY = "hashzap:new-room";

export function roomFromPath(pathname: string): string {
	const match = /^\/r\/([^/]+)\/?$/.exec(pathname);
	const room = match?.[1] ? decodeURIComponent(match[1]) : DEFAULT_ROOM;
	return isRoomName(room) ? room : DEFAULT_ROOM;
}

/** The room this page is for: the URL names it, and it does not change. */
export const roomName = roomFromPath(location.pathname);
takeSecretFromAddress(roomName);
export const screen = signal<Screen>("landing");
/** The name being asked for: set while the dialog waits for the room's answer. */
export const joining = signal(false);
export const savedName = signal(readStorage(NAME_KEY) ?? "");
/** The last error the room sent (a refused name, a rate limit), shown by the dialog and the chat. */
export const roomError = signal<{ code: string; reason: string } | null>(null);
export const unread = signal(0);
/** True while the dialog asks for another name from inside the chat. */
export const renaming = signal(false);

const CHAT_NOT_LOADED = "The chat could not be loaded. Check your connection and try again.";

/** Asks the room to let this user in under `name`; the dialog stays until the room says yes. */
export async function enterChat(name: string): Promise<void> {
	joining.value = true;
	roomError.value = null;
	try {
		// Usually here already, fetched while the dialog was open.
		const chat = await loadChat();
		chat.joinRoom(name);
	} catch {
		joining.value = false;
		roomError.value = { code: "chat_not_loaded", reason: CHAT_NOT_LOADED };
	}
}

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

/** Takes another name from inside the chat: a new socket under it, which resumes where this one was. */
export async function rename(name: string): Promise<void> {
	if (name === savedName.value) {
		renaming.value = false;
		return;
	}
	joining.value = true;
	(await loadChat()).changeName(name);
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
