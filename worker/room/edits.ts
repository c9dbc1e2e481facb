/**
 * Edits and deletes: only a message's sender may make them, and the room
 * knows the sender by the device key the message was sent with, never by
 * name (a name can pass to someone else once its holder has left). An edit's
 * text has passed the same schema as a new message's, and its frame the same
 * rate limits. A delete removes the text from storage, not only from view.
 * An edit's mentions are found anew in its text.
 */
import type { MessageStore, Stored } from "../store/messages";
import { change, type Outcome, refuse } from "./changes";
import type { Joined } from "./connections";

export class Edits {
	constructor(private readonly store: MessageStore) {}

	/** `mentions`: whom the new text mentions (mentions.ts), which replaces whom the old one did. */
	edit(who: Joined, id: string, target: number, text: string, mentions?: string[]): Outcome {
		return change(this.store, {
			who,
			id,
			target,
			kind: "edit",
			rule: (message) => senderOnly(message, who),
			apply: (seq) => this.store.setText(target, text, seq, mentions),
		});
	}

	delete(who: Joined, id: string, target: number): Outcome {
		return change(this.store, {
			who,
			id,
			target,
			kind: "delete",
			rule: (message) => senderOnly(message, who),
			apply: (seq) => this.store.scrub(target, "sender", seq),
		});
	}
}

function senderOnly(message: Stored, who: Joined) {
	return message.user === who.user ? undefined : refuse("not_yours", "Only its sender can edit or delete a message");
}
