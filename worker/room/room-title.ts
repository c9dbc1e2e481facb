/**
 * A room's display title, and who may set it.
 *
 * The rule: the room's creator may give the room a title and change it, and
 * so may its owners and moderators (so that a creator's abusive title can be
 * replaced); in the lobby, no one. The creator is the device (its device key) that joined first while
 * the room had no line at all: for a room made by "New private room", the
 * person who made it, who is taken straight to the Welcome dialog. The lobby
 * is everyone's and has no creator. Rooms older than this rule have no
 * creator either, so no title: the room cannot tell who made them.
 *
 * A title is a line of the room (kind "title"), so that it travels in the
 * sequenced stream and reaches a client that was away exactly once; the
 * current title is also kept on its own (worker/store/title.ts), since
 * trimming may delete that line. The URL never changes: the title is only
 * what the room is called on screen.
 */
import { type ChatMessage, DEFAULT_ROOM, type Role } from "../../protocol";
import { type TitleRow, TitleStore } from "../store/title";

/** The protocol version that knows title lines (protocol/frames.ts). */
export const TITLE_VERSION = 4;

export class RoomTitle {
	readonly #store: TitleStore;
	/** A cache of the one row: read on every join. */
	#row: TitleRow | undefined;

	constructor(sql: SqlStorage) {
		this.#store = new TitleStore(sql);
	}

	/** Called when someone is let in, before their join line is stored: the first device into an empty room made it. */
	noteJoin(room: string, device: string, roomIsEmpty: boolean): void {
		if (!roomIsEmpty || room === DEFAULT_ROOM || this.#read().creator !== null) return;
		this.#store.setCreator(device);
		this.#row = { creator: device, title: null };
	}

	/** Whether this device, with this role in `room`, may set the room's title. */
	maySet(device: string, role: Role, room: string): boolean {
		return this.#read().creator === device || (role !== "member" && room !== DEFAULT_ROOM);
	}

	/** What the welcome says about the title: the title, and whether this device may change it. */
	forWelcome(device: string, role: Role, room: string): { title?: string; canSetTitle?: true } {
		const { title } = this.#read();
		return { ...(title !== null && { title }), ...(this.maySet(device, role, room) && { canSetTitle: true as const }) };
	}

	set(title: string): void {
		this.#store.setTitle(title);
		this.#row = { ...this.#read(), title };
	}

	#read(): TitleRow {
		this.#row ??= this.#store.read();
		return this.#row;
	}
}

/**
 * The lines as a page of `version` can take them. A page older than version 4
 * knows chat, join and leave lines only, and would take a title line for its
 * setter leaving; it gets it as a join line of the setter with the words as
 * its text instead: the page shows the words, and its online list does not
 * change (the setter, who was in the room to set it, is in it already).
 * @example linesFor(3, [titleLine]) // [{ ...titleLine, kind: "join", text: "Ana named the room “Hike”" }]
 */
export function linesFor(version: number, lines: ChatMessage[]): ChatMessage[] {
	if (version >= TITLE_VERSION || !lines.some((l) => l.kind === "title")) return lines;
	return lines.map((l) =>
		l.kind === "title" ? { ...l, kind: "join" as const, text: `${l.name} named the room “${l.text}”` } : l,
	);
}
