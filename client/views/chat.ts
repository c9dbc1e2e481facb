/** The chat chunk's entry (see shell/chat-loader.ts): the chat's screen, joining the room's session, and starting it. */
import { startSession } from "../session/chat-store";
import { loadToolsWhenStaff } from "./staff/staff-loader";

export { changeName, displayTitle, joinRoom } from "../session/chat-store";
export { ChatView } from "./ChatView";

/** Starts what the chat does while the page is open. The loader calls it once, as the chunk arrives. */
export function startChat(): void {
	startSession();
	loadToolsWhenStaff();
}
