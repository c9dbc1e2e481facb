/**
 * Coming back goes straight in. A device that has been in a room (it
 * remembers the name the room accepted there: room-memory.ts) enters it at
 * once when it opens it again, by a reload, a new tab or a visit days
 * later, quickly enough that the room's grace period hides the gap: nobody
 * sees a leave and a join. Someone new to a room still gets the landing
 * page and the Welcome dialog; whoever has just made a private room gets
 * the dialog at once.
 */
import { NEW_ROOM_KEY, roomError, roomName, screen } from "./app-store";
import { enterChat } from "./chat-loader";
import { recall } from "./room-memory";

/** Chooses the first screen. Called once, before the first render. */
export function resume(): void {
	const { name } = recall(roomName);
	if (name) {
		screen.value = "chat";
		void enterChat(name).then(() => {
			// The chat's code could not be fetched: the dialog says so, and Enter Chat tries again.
			if (roomError.value?.code === "chat_not_loaded") screen.value = "dialog";
		});
	} else if (takeNewRoom() === roomName) {
		screen.value = "dialog";
	}
}

/** The room "New private room" just made in this tab, once. */
function takeNewRoom(): string | null {
	try {
		const made = sessionStorage.getItem(NEW_ROOM_KEY);
		sessionStorage.removeItem(NEW_ROOM_KEY);
		return made;
	} catch {
		return null;
	}
}
