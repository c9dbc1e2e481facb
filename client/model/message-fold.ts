/**
 * How the room's stream folds into the messages this client holds: messages
 * are merged by seq, changes (edits, deletes, reactions) applied to their
 * targets, strictly in seq order. A change carries its target as it is now,
 * and a message its `rev` (the seq of its last change), so a change a
 * message already reflects is skipped, and the result is the room's state
 * whatever arrived first. Pure functions: no DOM, no socket.
 */
import { type Change, type ChatMessage, isChange, LIMITS, type Line, REACTIONS, type Reaction } from "../../protocol";

/** Changes kept for messages not held, in case a page in flight brings them in an older state. */
const UNHELD_KEPT = 50;

export interface Held {
	/** Messages, ordered by seq, each once. */
	messages: ChatMessage[];
	/** Every seq up to this one has been folded in. */
	lastSeq: number;
	/** The latest changes to messages not held, newest last. */
	unheld: Change[];
}

/**
 * Folds lines of the stream into what is held: messages are merged, then
 * from `lastSeq` on, seq after seq, each change is applied. At the first seq
 * missing it stops: the changes beyond it come again with the sync that
 * fills the gap, and are applied then, in order.
 */
export function foldLines(held: Held, lines: Line[]): Held {
	const changes = lines.filter(isChange);
	let messages = mergeMessages(
		held.messages,
		lines.filter((l): l is ChatMessage => !isChange(l)),
	);
	let { unheld } = held;
	let seq = held.lastSeq;
	let i = firstIndexAfter(messages, seq);
	let c = 0;
	for (;;) {
		if (messages[i]?.seq === seq + 1) {
			seq += 1;
			i += 1;
			continue;
		}
		while (c < changes.length && (changes[c] as Change).seq <= seq) c += 1;
		const change = changes[c];
		if (change?.seq !== seq + 1) break;
		const target = seqIndex(messages, change.target);
		if (target === -1) unheld = [...unheld.slice(1 - UNHELD_KEPT), change];
		else messages = applyAt(messages, target, change);
		seq += 1;
		c += 1;
	}
	return { messages, lastSeq: seq, unheld };
}

/**
 * Messages from a page (scrolling back, or around a message) put in with the
 * held ones; then the changes to messages that were not held, which the
 * page may predate, are applied to them.
 */
export function addPage(held: Held, page: ChatMessage[]): Held {
	let messages = mergeMessages(held.messages, page);
	const unheld: Change[] = [];
	for (const change of held.unheld) {
		const target = seqIndex(messages, change.target);
		if (target === -1) unheld.push(change);
		else messages = applyAt(messages, target, change);
	}
	return { ...held, messages, unheld };
}

/**
 * A message after a change, or the same object when it already reflects it.
 * @example applyChange(message, { kind: "edit", seq: 9, target: 5, text: "fixed", … }).text // "fixed"
 */
export function applyChange(m: ChatMessage, c: Change): ChatMessage {
	if (c.seq <= (m.rev ?? m.seq)) return m;
	if (c.deleted) {
		return { seq: m.seq, id: m.id, kind: m.kind, name: m.name, text: "", at: m.at, deleted: c.deleted, rev: c.seq };
	}
	if (c.kind === "edit" && c.text !== undefined) {
		// Whom the new text mentions replaces whom the old one did (the room found them again).
		const { mentions: _, ...unmentioned } = m;
		return { ...unmentioned, text: c.text, edited: true, rev: c.seq, ...(c.mentions && { mentions: c.mentions }) };
	}
	if (c.kind === "react" && c.reaction) return { ...m, reactions: withReaction(m.reactions, c.reaction), rev: c.seq };
	return { ...m, rev: c.seq };
}

/** What a reply shows of `original`, as it is now. */
export function quoteOf(original: ChatMessage): ChatMessage["replyTo"] {
	return original.deleted
		? { seq: original.seq }
		: { seq: original.seq, name: original.name, text: original.text.slice(0, LIMITS.quoteMax) };
}

/** Index of the message with this seq, or -1 (binary search: messages are ordered by seq). */
export function seqIndex(messages: readonly ChatMessage[], seq: number): number {
	const i = firstIndexAfter(messages, seq - 1);
	return messages[i]?.seq === seq ? i : -1;
}

/** Index of the first message with a seq above `seq` (messages.length if none): per-frame work never walks a long history. */
export function firstIndexAfter(messages: readonly ChatMessage[], seq: number): number {
	let lo = 0;
	let hi = messages.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if ((messages[mid] as ChatMessage).seq <= seq) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/** The messages with the change applied to the one at `i`; replies to it quote its new text. */
function applyAt(messages: ChatMessage[], i: number, c: Change): ChatMessage[] {
	const before = messages[i] as ChatMessage;
	const after = applyChange(before, c);
	if (after === before) return messages;
	let out = messages.slice();
	out[i] = after;
	if (after.text !== before.text || after.deleted) {
		const quote = quoteOf(after);
		out = out.map((m) => (m.replyTo?.seq === after.seq ? { ...m, replyTo: quote } : m));
	}
	return out;
}

function withReaction(list: Reaction[] = [], r: Reaction): Reaction[] | undefined {
	const all = list.filter((x) => x.emoji !== r.emoji);
	if (r.names.length > 0) all.push(r);
	all.sort((a, b) => REACTIONS.indexOf(a.emoji) - REACTIONS.indexOf(b.emoji));
	return all.length > 0 ? all : undefined;
}

/**
 * Merges two seq-ordered lists of messages, each seq once. Of two copies of
 * a message, the one with the later change wins: a page fetched over HTTP
 * may be older than what the socket has already delivered.
 */
export function mergeMessages(a: ChatMessage[], b: ChatMessage[]): ChatMessage[] {
	if (b.length === 0) return a;
	const first = a[0];
	const last = a.at(-1);
	// The two ways a list grows, new messages at the end and an older page in front, without copying through a map.
	if (isSorted(b)) {
		if (last === undefined || (b[0] as ChatMessage).seq > last.seq) return [...a, ...b];
		if (first !== undefined && (b.at(-1) as ChatMessage).seq < first.seq) return [...b, ...a];
	}
	const bySeq = new Map<number, ChatMessage>();
	for (const m of a) bySeq.set(m.seq, m);
	for (const m of b) {
		const held = bySeq.get(m.seq);
		if (!held || (m.rev ?? 0) >= (held.rev ?? 0)) bySeq.set(m.seq, m);
	}
	return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

function isSorted(list: ChatMessage[]): boolean {
	for (let i = 1; i < list.length; i++)
		if ((list[i] as ChatMessage).seq <= (list[i - 1] as ChatMessage).seq) return false;
	return true;
}
