/**
 * The chat is a chunk of its own, so that the landing page and the name
 * dialog do not pay for it: its screen and the session behind it (socket,
 * state, history). Fetched while the dialog is open, or at once on a link
 * straight into a room; awaited before joining.
 */
import { signal } from "@preact/signals";

export type Chat = typeof import("./chat");

/** The chunk's exports, once it has arrived. */
export const chat = signal<Chat | null>(null);

let loading: Promise<Chat> | undefined;

export function loadChat(): Promise<Chat> {
	loading ??= import("./chat").then(
		(chunk) => {
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
