/**
 * What every change to a message has in common, and a reply too: it must be
 * about a message still stored and not deleted; a retry (the same client
 * id) is acknowledged with the first try's seq and changes nothing; and a
 * change goes into the stream as a line of its own, with its own seq.
 */
import type { Change, ChangeKind, ChatMessage, Emoji, ErrorCode } from "../../protocol";
import type { MessageStore, Stored } from "../store/messages";
import type { Joined } from "./connections";

export interface Refusal {
	ok: false;
	code: ErrorCode;
	reason: string;
	/** Seconds before trying again is worth it (slow mode). */
	retryAfter?: number;
	/** When the refusal ends, ms since the epoch (a mute, slow mode). */
	until?: number;
}

export type Outcome =
	/** Stored under `seq`; `change` and `target` (the message as it is now) are absent for a retry. */
	{ ok: true; seq: number; change?: Change; target?: ChatMessage } | Refusal;

export function refuse(code: ErrorCode, reason: string): Refusal {
	return { ok: false, code, reason };
}

/** A client's id for a send or a change, scoped by its device key so that one client's ids never meet another's. */
export function clientIdOf(who: Pick<Joined, "device">, id: string): string {
	return `${who.device}/${id}`;
}

/** The message a reply or a change is about: a chat message, still stored, not deleted. */
export function findTarget(store: MessageStore, seq: number): Stored | Refusal {
	const target = store.stored(seq);
	if (target?.kind !== "chat") return refuse("unknown_message", `There is no message ${seq} in this room`);
	if (target.deleted) return refuse("message_deleted", "That message was deleted");
	return target;
}

export interface ChangeRequest {
	who: Joined;
	/** The client's id for the change. */
	id: string;
	/** The seq of the message to change. */
	target: number;
	kind: ChangeKind;
	emoji?: Emoji;
	/** The rule of this kind of change: a refusal, or undefined to let it through. */
	rule: (target: Stored) => Refusal | undefined;
	/** Applies the change to the message (`target`, as stored); `seq` is the change's own. */
	apply: (seq: number, target: Stored) => void;
}

/** Stores a change once per client id, if its target and its rule allow it, and applies it. */
export function change(store: MessageStore, request: ChangeRequest): Outcome {
	const clientId = clientIdOf(request.who, request.id);
	const stored = store.seqOfClientId(clientId);
	if (stored !== undefined) return { ok: true, seq: stored };
	const target = findTarget(store, request.target);
	if ("ok" in target) return target;
	const refused = request.rule(target);
	if (refused) return refused;
	const seq = store.appendChange(request.kind, request.who, request.target, clientId, request.emoji);
	request.apply(seq, target);
	return {
		ok: true,
		seq,
		change: store.line(seq) as Change,
		target: store.line(request.target) as ChatMessage,
	};
}
