/**
 * What a room is called on screen. Its URL never changes (for a private room
 * it is the unguessable part); its creator may give it a display title,
 * which the room keeps and sends to everyone (worker/room/room-title.ts).
 */
import { signal } from "@preact/signals";
import { isPrivateRoomName } from "../protocol/limits";

/** The room's title; else its name, unless that is a private room's random code, which means nothing to read. */
export function roomTitle(room: string, title: string | null): string {
	return title ?? (isPrivateRoomName(room) ? "Private room" : room);
}

/** True while the creator's "Name this room" dialog is open. */
export const namingRoom = signal(false);
