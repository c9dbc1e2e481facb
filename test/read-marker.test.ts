/**
 * Where the "New messages" line goes (client/model/read-marker.ts): after what
 * this device last showed, when a message someone else wrote came after it.
 * Edits, deletes and reactions are lines of the stream with seqs of their
 * own but no row: only messages are looked at, and one deleted since is
 * nothing new to read.
 */
import { describe, expect, it } from "vitest";
import { placeDivider } from "../client/model/read-marker";
import type { ChatMessage } from "../protocol";

const chat = (seq: number, name = "Bruno", extra: Partial<ChatMessage> = {}): ChatMessage => ({
	seq,
	id: `id-${seq}`,
	kind: "chat",
	name,
	text: `m${seq}`,
	at: 1_000 + seq,
	...extra,
});

describe("the New messages line", () => {
	it("goes after the marker when someone else wrote a message after it", () => {
		// Seq 6 and 8 were changes: no rows.
		const rows = [chat(5), chat(7), chat(9, "Ana")];
		expect(placeDivider(5, rows, "Ana")).toBe(5);
		expect(placeDivider(7, rows, "Ana")).toBeNull();
		expect(placeDivider(null, rows, "Ana")).toBeNull();
	});

	it("is not drawn for a message deleted since", () => {
		const rows = [chat(5), chat(6, "Bruno", { text: "", deleted: "sender" }), chat(7, "Ana")];
		expect(placeDivider(5, rows, "Ana")).toBeNull();
		expect(placeDivider(4, rows, "Ana")).toBe(4);
	});
});
