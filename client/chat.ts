/** The chat chunk's entry (see chat-chunk.ts): the chat's screen, and joining the room's session. */
export { ChatView } from "./ChatView";
export { changeName, displayTitle, joinRoom } from "./chat-store";
