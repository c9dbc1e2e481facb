/**
 * The state of one room as this client knows it, and the pure function that
 * folds each server frame into it. No DOM and no socket here: a test can call
 * `applyServerMessage` directly. Changes to messages fold in through
 * message-fold.ts; what this device sent and the room has not yet stored is
 * the outbox's (outbox.ts).
 */
import { type Change, type ChatMessage, isChange, type Line, type ServerMessage } from "../../protocol";
import { addPage, firstIndexAfter, foldLines, seqIndex } from "./message-fold";

export { firstIndexAfter, seqIndex } from "./message-fold";

export interface RoomState {
	room: string;
	/** The name the room accepted, once joined. */
	name: string | null;
	/** Confirmed messages, ordered by seq, each once, as they are now. */
	messages: ChatMessage[];
	/** Every seq up to this one, message or change, has been folded in (or was before the first page). */
	lastSeq: number;
	/**
	 * The newest seq the room has told of: its welcome's, or a later line's
	 * (a change's too). Above `lastSeq` there is a gap to fill, also when a
	 * welcome brought only part of what was missed (a reply holds at most
	 * LIMITS.replyBytes).
	 */
	roomSeq: number;
	/** Changes to messages not held, for a page that brings them in an older state (message-fold.ts). */
	unheld: Change[];
	/** Held messages just above which older ones may be missing (a page around a message far back). */
	holes: number[];
	/** The room's protocol version: changes can only be sent to a room of CHANGES_VERSION or newer. */
	version: number;
	/** Older messages can be loaded. */
	hasMore: boolean;
	/** Who is here, from the welcome, then kept current by the join and leave lines after it. */
	online: string[];
	/** The seq the online list is current at: older join and leave lines do not change it. */
	onlineSeq: number;
	/** Who is typing, with when their indicator expires (ms). */
	typing: Record<string, number>;
	/** The last error the room sent (a refused name, a rate limit). */
	error: { code: string; reason: string } | null;
	/** The room's display title, from the welcome, then from the title lines after it (like `online`). */
	title: { text: string | null; seq: number; mine: boolean };
}

export function initialRoomState(room: string): RoomState {
	return {
		room,
		name: null,
		messages: [],
		lastSeq: 0,
		roomSeq: 0,
		unheld: [],
		holes: [],
		version: 1,
		hasMore: false,
		online: [],
		onlineSeq: 0,
		typing: {},
		error: null,
		title: { text: null, seq: 0, mine: false },
	};
}

/** How long a typing indicator lasts without a new typing frame. */
export const TYPING_SHOWN_MS = 5000;

/**
 * Folds one server frame into the state.
 * @example applyServerMessage(state, { type: "typing", name: "Ana" }, Date.now())
 */
export function applyServerMessage(state: RoomState, msg: ServerMessage, now: number): RoomState {
	switch (msg.type) {
		case "welcome": {
			const held = afterClearing(
				msg.reset
					? { messages: msg.messages.filter((l): l is ChatMessage => !isChange(l)), lastSeq: msg.seq, unheld: [] }
					: foldLines(state, msg.messages),
				msg.messages,
			);
			return {
				...state,
				...held,
				holes: msg.reset ? [] : state.holes,
				version: msg.version ?? 1,
				name: msg.name,
				roomSeq: Math.max(msg.seq, held.messages.at(-1)?.seq ?? 0),
				hasMore: msg.reset ? msg.hasMore : state.hasMore,
				online: msg.online,
				onlineSeq: msg.seq,
				title: { text: msg.title ?? null, seq: msg.seq, mine: msg.canSetTitle === true },
				error: null,
			};
		}
		case "message":
		case "messages":
		case "history": {
			const incoming: Line[] = msg.type === "message" ? [msg.message] : msg.messages;
			const held = afterClearing(foldLines(state, incoming), incoming);
			let typing = state.typing;
			let { online, onlineSeq, title } = state;
			for (const m of incoming) {
				if (m.kind === "chat") {
					if (Object.hasOwn(typing, m.name)) typing = without(typing, m.name);
				} else if (m.kind === "title") {
					if (m.seq > title.seq) title = { ...title, text: m.text, seq: m.seq };
				} else if (PRESENCE.has(m.kind) && m.seq > onlineSeq) {
					const others = online.filter((n) => n !== m.name);
					online = m.kind === "join" ? [...others, m.name].sort(byName) : others;
					onlineSeq = m.seq;
				}
			}
			return {
				...state,
				...held,
				online,
				onlineSeq,
				title,
				roomSeq: incoming.reduce((n, m) => Math.max(n, m.seq), state.roomSeq),
				typing,
				// Nothing older than a clearing is left to load.
				hasMore: held.messages[0]?.kind === "cleared" ? false : state.hasMore,
			};
		}
		case "ack":
			// What was sent is the outbox's (model/outbox.ts); the room has answered, so no error stands.
			return state.error === null ? state : { ...state, error: null };
		case "typing":
			if (msg.name === state.name) return state;
			return { ...state, typing: { ...state.typing, [msg.name]: now + TYPING_SHOWN_MS } };
		case "error":
			return { ...state, error: { code: msg.code, reason: msg.reason } };
		default:
			// A newer room's frame this client does not know: ignored (docs/protocol.md, "Versions").
			return state;
	}
}

/** Older messages loaded by scrolling up, put in front. */
export function prependHistory(state: RoomState, older: ChatMessage[], hasMore: boolean): RoomState {
	return { ...state, ...addPage(state, older), hasMore };
}

/** Whether this client misses lines the room has: it should ask for those after `lastSeq`. */
export function hasGap(state: RoomState): boolean {
	return state.roomSeq > state.lastSeq;
}

/**
 * Whether to ask the room for the lines after `lastSeq` once `msg` is folded
 * in, and from which seq: when a gap opens, on a welcome that leaves one (a
 * new connection has no request on its way), and again after each history
 * page that filled part of it (a reply holds only so much).
 */
export function syncAfter(before: RoomState, after: RoomState, msg: ServerMessage): number | undefined {
	if (!hasGap(after)) return undefined;
	const progressed = msg.type === "history" && after.lastSeq > before.lastSeq;
	if (msg.type === "welcome" || !hasGap(before) || progressed) return after.lastSeq;
	return undefined;
}

/**
 * A page around a message older than those held (the original of a reply,
 * far back): put in with the others, with a hole between them and the held
 * ones unless the page reaches them.
 */
export function placeAround(state: RoomState, page: ChatMessage[], hasMore: boolean): RoomState {
	const first = state.messages[0];
	const oldest = page[0];
	if (!first || !oldest || oldest.seq >= first.seq) return { ...state, ...addPage(state, page) };
	const reaches = page.some((m) => m.seq >= first.seq);
	return {
		...state,
		...addPage(state, page),
		hasMore,
		holes: reaches ? state.holes : [...state.holes, first.seq],
	};
}

/**
 * A page of the messages just below hole `hole`: the hole closes if the page
 * reaches the messages held below it, else it moves down to the page's
 * oldest message.
 */
export function fillHole(state: RoomState, hole: number, page: ChatMessage[]): RoomState {
	const below = state.messages[seqIndex(state.messages, hole) - 1];
	const oldest = page[0];
	const closed = !below || !oldest || oldest.seq <= below.seq;
	return {
		...state,
		...addPage(state, page),
		holes: state.holes.flatMap((h) => (h !== hole ? [h] : closed ? [] : [oldest.seq])),
	};
}

/** Names typing now, except this user's. */
export function typingNames(state: Pick<RoomState, "typing" | "name">, now: number): string[] {
	return Object.entries(state.typing)
		.filter(([name, until]) => until > now && name !== state.name)
		.map(([name]) => name);
}

const byName = (a: string, b: string) => a.localeCompare(b);

/** The lines that change who is here: someone joined, left, or was removed by a moderator. */
const PRESENCE = new Set<Line["kind"]>(["join", "leave", "removed"]);

/** A `cleared` line among the incoming ones drops every message held before it. */
function afterClearing<H extends { messages: ChatMessage[] }>(held: H, incoming: readonly Line[]): H {
	let { messages } = held;
	for (const line of incoming) {
		if (line.kind !== "cleared") continue;
		const from = firstIndexAfter(messages, line.seq - 1);
		if (from > 0) messages = messages.slice(from);
	}
	return messages === held.messages ? held : { ...held, messages };
}
function without(typing: Record<string, number>, name: string): Record<string, number> {
	const { [name]: _, ...rest } = typing;
	return rest;
}
