/**
 * What a person does to a message: reply to it, react to it, edit or delete
 * their own, and jump to the original of a reply. Components call these; the
 * room decides (a refused change comes back as the room's error).
 */
import { computed, signal } from "@preact/signals";
import { CHANGES_VERSION, type ChatMessage, type Emoji, PROTOCOL_VERSION } from "../../protocol";
import { seqIndex } from "../model/message-fold";
import { fillHole, placeAround } from "../model/room-state";
import { historyInit, room, sendChange, sendMessage, setRoom } from "./chat-store";

/** The message being edited in the composer. */
export const editing = signal<ChatMessage | null>(null);
/** The message the composer's next message answers. */
export const replyingTo = signal<ChatMessage | null>(null);
/** The message whose delete waits for a yes. */
export const confirmingDelete = signal<ChatMessage | null>(null);
/** The message just jumped to, shown highlighted. */
export const highlighted = signal<number | null>(null);
/** A message to bring into view and focus, once held and mounted (the list does it, then clears this). */
export const jump = signal<number | null>(null);
/** Whether the room knows changes (an older room, during a deploy, would refuse them). */
export const canChange = computed(() => room.value.version >= CHANGES_VERSION);

/** A message of one's own that can still be changed. The room checks the device key; the page can only go by name. */
export function isOwn(m: ChatMessage): boolean {
	return m.kind === "chat" && !m.deleted && m.name === room.value.name;
}

/** Whether `me` reacts to `m` with `emoji`. */
export function reacted(m: ChatMessage, emoji: Emoji, me: string | null): boolean {
	return me !== null && (m.reactions?.some((r) => r.emoji === emoji && r.names.includes(me)) ?? false);
}

export function startReply(m: ChatMessage): void {
	editing.value = null;
	replyingTo.value = m;
}

export function startEdit(m: ChatMessage): void {
	replyingTo.value = null;
	editing.value = m;
}

/** Up in an empty composer: edits one's last message, if there is one. */
export function editLast(): boolean {
	const last = room.value.messages.findLast(isOwn);
	if (last && canChange.value) startEdit(last);
	return last !== undefined;
}

export function cancelCompose(): void {
	editing.value = null;
	replyingTo.value = null;
}

/** The composer's Enter: saves the edit, or sends the message (as a reply, if one is being written). */
export function submit(text: string): void {
	const edited = editing.value;
	editing.value = null;
	if (edited) {
		if (text.trim() !== edited.text) sendChange({ type: "edit", id: crypto.randomUUID(), seq: edited.seq, text });
		return;
	}
	sendMessage(text, replyingTo.value?.seq);
	replyingTo.value = null;
}

export function deleteMessage(m: ChatMessage): void {
	sendChange({ type: "delete", id: crypto.randomUUID(), seq: m.seq });
}

export function toggleReaction(m: ChatMessage, emoji: Emoji): void {
	sendChange({ type: "react", id: crypto.randomUUID(), seq: m.seq, emoji, on: !reacted(m, emoji, room.value.name) });
}

/** A page of history, as this page's protocol version reads it (an older one gets messages without their changes). */
const messagesUrl = (query: string) =>
	`/api/rooms/${encodeURIComponent(room.value.room)}/messages?${query}&v=${PROTOCOL_VERSION}`;

/** Scrolls to message `seq` and focuses it, first fetching the page around it if it is not held. */
export async function jumpTo(seq: number): Promise<void> {
	if (seqIndex(room.value.messages, seq) === -1) {
		const res = await fetch(messagesUrl(`around=${seq}&limit=50`), historyInit());
		if (!res.ok) return;
		const page = (await res.json()) as { messages: ChatMessage[]; hasMore: boolean };
		setRoom(placeAround(room.value, page.messages, page.hasMore));
	}
	highlighted.value = seq;
	jump.value = seq;
}

/** Loads the messages missing just above `hole` (held messages after a jump far back). */
export async function loadHole(hole: number): Promise<void> {
	const res = await fetch(messagesUrl(`before=${hole}&limit=100`), historyInit());
	if (!res.ok) return;
	const page = (await res.json()) as { messages: ChatMessage[] };
	setRoom(fillHole(room.value, hole, page.messages));
}
