/**
 * The chat is a chunk of its own, so that the landing page and the name
 * dialog do not pay for it: its screen and the session behind it (socket,
 * state, history). Fetched while the dialog is open, or at once on a link
 * straight into a room; awaited before joining. Entering the chat and
 * changing one's name in it live here, above the first screen's store
 * (app-store.ts), so that the store never imports the chat.
 */
import { signal } from "@preact/signals";
import { joining, renaming, roomError, savedName } from "./app-store";

export type Chat = typeof import("../views/chat");

/** The chunk's exports, once it has arrived. */
export const chat = signal<Chat | null>(null);

let loading: Promise<Chat> | undefined;

export function loadChat(): Promise<Chat> {
	loading ??= import("../views/chat").then(
		(chunk) => {
			chunk.startChat();
			chat.value = chunk;
			return chunk;
		},
		(error: unknown) => {
			// Offline, say: the next try fetches it again.
			loading = undefined;
			throw error;
		},
	);
	return loading;
}

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

/** Takes another name from inside the chat: a new socket under it, which resumes where this one was. */
export async function rename(name: string): Promise<void> {
	if (name === savedName.value) {
		renaming.value = false;
		return;
	}
	joining.value = true;
	(await loadChat()).changeName(name);
}
