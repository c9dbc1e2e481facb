/**
 * Edits and deletes: only a message's sender may make them (an owner or a
 * moderator may also delete anyone's), and the room
 * knows the sender by the device key the message was sent with, never by
 * name (a name can pass to someone else once its holder has left). An edit's
 * text has passed the same schema as a new message's, and its frame the same
 * rate limits. A delete removes the text from storage, not only from view.
 * An edit's mentions are found anew in its text.
 */
import type { MessageStore } from "../store/messages";
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
			rule: (message) =>
				message.device === who.device ? undefined : refuse("not_yours", "Only its sender can edit a message"),
			apply: (seq) => this.store.setText(target, text, seq, mentions),
		});
	}

	/** By its sender, or by `staff` (an owner or a moderator, roles.ts), who may delete anyone's message. */
	delete(who: Joined, id: string, target: number, staff = false): Outcome {
		return change(this.store, {
			who,
			id,
			target,
			kind: "delete",
			rule: (message) =>
				staff || message.device === who.device
					? undefined
					: refuse("not_yours", "Only its sender, an owner or a moderator can delete a message"),
			apply: (seq, message) => this.store.scrub(target, message.device === who.device ? "sender" : "moderator", seq),
		});
	}
}
