/**
 * What a person does to a message: reply to it, react to it, edit or delete
 * their own, and jump to the original of a reply. Components call these; a
 * change goes through the one way out (outbound.ts), kept on the device
 * until the room has it, and the room decides (a refused change comes back
 * as the room's error; an edit refused for now, to the composer).
 */
import { computed, signal } from "@preact/signals";
import { CHANGES_VERSION, type ChatMessage, type Emoji, PROTOCOL_VERSION } from "../../protocol";
import { seqIndex } from "../model/message-fold";
import { fillHole, placeAround } from "../model/room-state";
import { historyInit, room, sendMessage, setRoom } from "./chat-store";
import { removed } from "./moderation-state";
import { send } from "./outbound";

/** The message being edited in the composer. */
export const editing = signal<ChatMessage | null>(null);
/** The text the edit starts from, when not the message's own (an edit the room refused, handed back). */
export const editFrom = signal<string | null>(null);
/** The message the composer's next message answers. */
export const replyingTo = signal<ChatMessage | null>(null);
/** The message whose delete waits for a yes. */
export const confirmingDelete = signal<ChatMessage | null>(null);
/** The message just jumped to, shown highlighted. */
export const highlighted = signal<number | null>(null);
/** A message to bring into view and focus, once held and mounted (the list does it, then clears this). */
export const jump = signal<number | null>(null);
/** Whether the room knows changes (an older room, during a deploy, would refuse them) and this page is in it. */
export const canChange = computed(() => room.value.version >= CHANGES_VERSION && !removed.value);

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

/** Edits `m` in the composer, starting from its text, or from `text` (an edit handed back). */
export function startEdit(m: ChatMessage, text: string | null = null): void {
	replyingTo.value = null;
	editFrom.value = text;
	editing.value = m;
}

/**
 * An edit the room refused for now (slow mode, a mute), handed back: the
 * composer edits the message again with the edit's text, once no other edit
 * is open. Whether it is dealt with: false while another edit is open (ask
 * again after it); true once taken up, or when the message can no longer be
 * edited (deleted, or no longer held).
 */
export function resumeEdit(returned: { seq: number; text: string }): boolean {
	if (editing.value) return false;
	const m = room.value.messages[seqIndex(room.value.messages, returned.seq)];
	if (m && isOwn(m)) startEdit(m, returned.text);
	return true;
}

/** Up in an empty composer: edits one's last message, if there is one. */
export function editLast(): boolean {
	const last = room.value.messages.findLast(isOwn);
	if (last && canChange.value) startEdit(last);
	return last !== undefined;
}

export function cancelCompose(): void {
	editing.value = null;
	editFrom.value = null;
	replyingTo.value = null;
}

/** The composer's Enter: saves the edit, or sends the message (as a reply, if one is being written). */
export function submit(text: string): void {
	const edited = editing.value;
	editing.value = null;
	editFrom.value = null;
	if (edited) {
		if (text.trim() !== edited.text) send({ type: "edit", id: crypto.randomUUID(), seq: edited.seq, text });
		return;
	}
	sendMessage(text, replyingTo.value?.seq);
	replyingTo.value = null;
}

export function deleteMessage(m: ChatMessage): void {
	send({ type: "delete", id: crypto.randomUUID(), seq: m.seq });
}

export function toggleReaction(m: ChatMessage, emoji: Emoji): void {
	send({ type: "react", id: crypto.randomUUID(), seq: m.seq, emoji, on: !reacted(m, emoji, room.value.name) });
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
