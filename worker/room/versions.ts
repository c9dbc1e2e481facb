/**
 * What each protocol version may receive (docs/protocol.md, "Versions"): a
 * frame is cut down to what the client's version knows before it is sent.
 * Frames of the newest version pass through untouched.
 */
import { ATTENTION_VERSION, type ChatMessage, type ServerMessage } from "../../protocol";
import { TITLE_VERSION, titleLinesFor } from "./room-title";

/** The first version whose lines carry `mentions`. */
const MENTIONS_VERSION = ATTENTION_VERSION;

/** The versions whose frames differ: one serialization per class serves every socket in it. */
export function versionClass(version: number): number {
	if (version >= MENTIONS_VERSION) return MENTIONS_VERSION;
	return version >= TITLE_VERSION ? TITLE_VERSION : 1;
}

/** The lines as a client of `version` may see them (the same array when nothing changes). */
export function linesFor(version: number, lines: ChatMessage[]): ChatMessage[] {
	if (version >= MENTIONS_VERSION) return lines;
	const titled = titleLinesFor(version, lines);
	if (!titled.some((l) => l.mentions !== undefined)) return titled;
	return titled.map(withoutMentions);
}

function withoutMentions(line: ChatMessage): ChatMessage {
	if (line.mentions === undefined) return line;
	const { mentions: _, ...older } = line;
	return older;
}

/** A frame as a client of `version` may see it. */
export function frameFor(message: ServerMessage, version: number): ServerMessage {
	if (version >= MENTIONS_VERSION) return message;
	switch (message.type) {
		case "message": {
			const [line] = linesFor(version, [message.message]);
			return line === message.message || !line ? message : { ...message, message: line };
		}
		case "messages":
		case "history":
		case "welcome": {
			const messages = linesFor(version, message.messages);
			return messages === message.messages ? message : { ...message, messages };
		}
		default:
			return message;
	}
}
