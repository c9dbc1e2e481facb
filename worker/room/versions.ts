/**
 * What each protocol version may receive (docs/protocol.md, "Versions"): a
 * frame is cut down to the fields the client's version knows before it is
 * sent. Frames of the newest version pass through untouched.
 */
import type { ChatMessage, ServerMessage } from "../../protocol";

/** The first version whose lines carry `mentions`. */
const MENTIONS = 4;

/** The versions whose frames differ: one serialization per class serves every socket in it. */
export function versionClass(version: number): number {
	return version >= MENTIONS ? MENTIONS : 1;
}

/** A line as a client of `version` may see it. */
export function lineFor(line: ChatMessage, version: number): ChatMessage {
	if (version >= MENTIONS || line.mentions === undefined) return line;
	const { mentions: _, ...older } = line;
	return older;
}

/** A frame as a client of `version` may see it. */
export function frameFor(message: ServerMessage, version: number): ServerMessage {
	if (version >= MENTIONS) return message;
	const lines = (list: ChatMessage[]) => list.map((m) => lineFor(m, version));
	switch (message.type) {
		case "message":
			return { ...message, message: lineFor(message.message, version) };
		case "messages":
		case "history":
		case "welcome":
			return { ...message, messages: lines(message.messages) };
		default:
			return message;
	}
}
