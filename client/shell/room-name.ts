/**
 * A room's name and what the page calls it. The name is in the address and
 * never changes (for a private room it is the unguessable part); the
 * room's creator may give it a display title, which the room keeps and
 * sends to everyone (worker/room/room-title.ts). Pure: the first screen, the
 * chat and the tests share it.
 */
// Not the protocol's index, which would bring every frame's schema to the first screen.
import { DEFAULT_ROOM, isPrivateRoomName, isRoomName } from "../../protocol/limits";

/**
 * The room an address is for: `/r/<room>`, else the lobby.
 * @example roomFromPath("/r/team") // "team"
 */
export function roomFromPath(pathname: string): string {
	const match = /^\/r\/([^/]+)\/?$/.exec(pathname);
	const room = match?.[1] ? decodeURIComponent(match[1]) : DEFAULT_ROOM;
	return isRoomName(room) ? room : DEFAULT_ROOM;
}

/** The room's title; else its name, unless that is a private room's random code, which means nothing to read. */
export function roomTitle(room: string, title: string | null): string {
	return title ?? (isPrivateRoomName(room) ? "Private room" : room);
}
