import type { ChatMessage } from "../protocol";

/** A chat line as the room sends it, for the client's tests: its id and time follow from its seq. */
export const chatLine = (
	seq: number,
	text = `m${seq}`,
	name = "Bruno",
	extra: Partial<ChatMessage> = {},
): ChatMessage => ({
	seq,
	id: `id-${seq}`,
	kind: "chat",
	name,
	text,
	at: 1_000 + seq,
	...extra,
});
