/**
 * The state of one room as this client knows it, and the pure function that
 * folds each server frame into it. No DOM and no socket here: a test can call
 * `applyServerMessage` directly.
 */
import type { ChatMessage, ServerMessage } from "../protocol";

/** A message this user sent that the room has not yet confirmed it stored. */
export interface PendingMessage {
	/** The client's id for it; resent with the same id until acknowledged. */
	id: string;
	text: string;
	/** The name it was written under (as the room accepted it): it is sent under that name or not at all. */
	as?: string | null;
	/** Set once acknowledged; the message is then shown from `messages`. */
	seq?: number;
	/** Why the room refused it, if it did. */
	error?: string;
}

export interface RoomState {
	room: string;
	/** The name the room accepted, once joined. */
	name: string | null;
	/** Confirmed lines, ordered by seq, each once. */
	messages: ChatMessage[];
	/** Every seq up to this one is in `messages` (or was before the first page). */
	lastSeq: number;
	/**
	 * The newest seq the room has told of: its welcome's, or a later line's.
	 * Above `lastSeq` there is a gap to fill, also when a welcome brought only
	 * part of what was missed (a reply holds at most LIMITS.replyBytes).
	 */
	roomSeq: number;
	/** Older messages can be loaded. */
	hasMore: boolean;
	pending: PendingMessage[];
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
		hasMore: false,
		pending: [],
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
			const merged = afterRemovals(msg.reset ? msg.messages : merge(state.messages, msg.messages), msg.messages);
			return {
				...state,
				name: msg.name,
				messages: merged,
				lastSeq: msg.reset ? msg.seq : contiguousUpTo(merged, state.lastSeq),
				roomSeq: Math.max(msg.seq, merged.at(-1)?.seq ?? 0),
				hasMore: msg.reset ? msg.hasMore : state.hasMore,
				online: msg.online,
				onlineSeq: msg.seq,
				title: { text: msg.title ?? null, seq: msg.seq, mine: msg.canSetTitle === true },
				// Acknowledged before a drop: the room has the line, so it is no longer pending.
				pending: removeWhere(state.pending, (p) => p.seq !== undefined && p.seq <= msg.seq),
				error: null,
			};
		}
		case "message":
		case "messages":
		case "history": {
			const incoming = msg.type === "message" ? [msg.message] : msg.messages;
			const messages = afterRemovals(merge(state.messages, incoming), incoming);
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
			const confirmed = (p: PendingMessage) => p.seq !== undefined && incoming.some((m) => m.seq === p.seq);
			return {
				...state,
				messages,
				online,
				onlineSeq,
				title,
				lastSeq: contiguousUpTo(messages, state.lastSeq),
				roomSeq: Math.max(state.roomSeq, messages.at(-1)?.seq ?? 0),
				pending: removeWhere(state.pending, confirmed),
				typing,
				// Nothing older than a clearing is left to load.
				hasMore: messages[0]?.kind === "cleared" ? false : state.hasMore,
			};
		}
		case "ack": {
			// Up to lastSeq every line is shown or lies in older history: an old retry's line will not come again.
			const present = msg.seq <= state.lastSeq || seqIndex(state.messages, msg.seq) !== -1;
			return {
				...state,
				error: null,
				pending: present
					? removeWhere(state.pending, (p) => p.id === msg.id)
					: state.pending.map((p) => (p.id === msg.id ? { ...p, seq: msg.seq } : p)),
			};
		}
		case "typing":
			if (msg.name === state.name) return state;
			return { ...state, typing: { ...state.typing, [msg.name]: now + TYPING_SHOWN_MS } };
		case "error": {
			const error = { code: msg.code, reason: msg.reason };
			if (msg.id === undefined) return { ...state, error };
			return {
				...state,
				error,
				pending: state.pending.map((p) => (p.id === msg.id ? { ...p, error: msg.reason } : p)),
			};
		}
		default:
			// A newer room's frame this client does not know: ignored (docs/protocol.md, "Versions").
			return state;
	}
}

/** Older messages loaded by scrolling up, put in front. */
export function prependHistory(state: RoomState, older: ChatMessage[], hasMore: boolean): RoomState {
	return { ...state, messages: merge(state.messages, older), hasMore };
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

/** Names typing now, except this user's. */
export function typingNames(state: Pick<RoomState, "typing" | "name">, now: number): string[] {
	return Object.entries(state.typing)
		.filter(([name, until]) => until > now && name !== state.name)
		.map(([name]) => name);
}

const byName = (a: string, b: string) => a.localeCompare(b);

/** The lines that change who is here: someone joined, left, or was removed by a moderator. */
const PRESENCE = new Set<ChatMessage["kind"]>(["join", "leave", "removed"]);

/**
 * What the incoming lines do to those already held: a `delete` line takes
 * the text of the message it names, a `cleared` line drops every line
 * before it. The same list when they do nothing.
 */
function afterRemovals(messages: ChatMessage[], incoming: readonly ChatMessage[]): ChatMessage[] {
	let out = messages;
	for (const m of incoming) {
		if (m.kind === "cleared") {
			const from = firstIndexAfter(out, m.seq - 1);
			if (from > 0) out = out.slice(from);
		} else if (m.kind === "delete" && m.of !== undefined) {
			const i = seqIndex(out, m.of);
			const target = out[i];
			if (target && !target.removed) {
				out = out === messages ? [...out] : out;
				out[i] = { ...target, text: "", removed: true };
			}
		}
	}
	return out;
}

/**
 * The index of the first message with a seq above `seq` (the length if none): a binary search,
 * so that per-frame work does not walk a long history.
 */
export function firstIndexAfter(messages: readonly ChatMessage[], seq: number): number {
	let lo = 0;
	let hi = messages.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if ((messages[mid] as ChatMessage).seq <= seq) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** The index of the message with this seq, or -1. */
export function seqIndex(messages: readonly ChatMessage[], seq: number): number {
	const i = firstIndexAfter(messages, seq - 1);
	return messages[i]?.seq === seq ? i : -1;
}

/**
 * Merges two seq-ordered lists, each seq once. New lines at the end and an older page in front,
 * the two ways a list grows, are joined without a search; anything else is merged in one pass.
 */
function merge(a: ChatMessage[], b: ChatMessage[]): ChatMessage[] {
	if (b.length === 0) return a;
	if (!isSorted(b)) b = [...b].sort((x, y) => x.seq - y.seq);
	const first = a[0];
	const last = a.at(-1);
	if (first === undefined || last === undefined) return dedupe(b);
	if ((b[0] as ChatMessage).seq > last.seq) return [...a, ...dedupe(b)];
	if ((b.at(-1) as ChatMessage).seq < first.seq) return [...dedupe(b), ...a];
	const out: ChatMessage[] = [];
	let i = 0;
	let j = 0;
	for (;;) {
		const x = a[i];
		const y = b[j];
		if (x === undefined && y === undefined) return out;
		let next: ChatMessage;
		if (y === undefined || (x !== undefined && x.seq <= y.seq)) {
			next = x as ChatMessage;
			i++;
		} else {
			next = y;
			j++;
		}
		if (out.at(-1)?.seq !== next.seq) out.push(next);
	}
}

function isSorted(list: readonly ChatMessage[]): boolean {
	for (let i = 1; i < list.length; i++)
		if ((list[i] as ChatMessage).seq < (list[i - 1] as ChatMessage).seq) return false;
	return true;
}

/** A sorted list with each seq once. */
function dedupe(sorted: ChatMessage[]): ChatMessage[] {
	return sorted.every((m, i) => i === 0 || (sorted[i - 1] as ChatMessage).seq !== m.seq)
		? sorted
		: sorted.filter((m, i) => i === 0 || (sorted[i - 1] as ChatMessage).seq !== m.seq);
}

/** The highest seq reached from `from` without a hole: a search for where to start, then only the new lines. */
function contiguousUpTo(messages: ChatMessage[], from: number): number {
	let seq = from;
	for (let i = firstIndexAfter(messages, from); messages[i]?.seq === seq + 1; i++) seq += 1;
	return seq;
}

/** The list without the items `drop` matches; the same list when none does, so that its readers see no change. */
function removeWhere<T>(list: T[], drop: (item: T) => boolean): T[] {
	return list.some(drop) ? list.filter((item) => !drop(item)) : list;
}

function without(typing: Record<string, number>, name: string): Record<string, number> {
	const { [name]: _, ...rest } = typing;
	return rest;
}
