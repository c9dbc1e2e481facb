/**
 * What a room is called on screen. Its URL never changes (for a private room
 * it is the unguessable part); its creator may give it a display title,
 * which the room keeps and sends to everyone (worker/room/room-title.ts).
 */
import { signal } from "@preact/signals";

/** The shape of the names "New private room" makes: 22 base64url characters, 128 random bits. */
export const isPrivateRoom = (name: string) => /^[A-Za-z0-9_-]{22}$/.test(name);

/** The room's title; else its name, unless that is a private room's random code, which means nothing to read. */
export function roomTitle(room: string, title: string | null): string {
	return title ?? (isPrivateRoom(room) ? "Private room" : room);
}

/** True while the creator's "Name this room" dialog is open. */
export const namingRoom = signal(false);
