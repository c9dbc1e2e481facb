/**
 * Reactions: anyone may react to a message with one of the eight emoji, on
 * or off. One per person (device key) and emoji, and at most
 * LIMITS.reactorsMax people per emoji, so that what a message carries stays
 * bounded; taking a reaction back is always allowed.
 */
import { type Emoji, LIMITS } from "../../protocol";
import type { MessageStore } from "../store/messages";
import { change, type Outcome, refuse } from "./changes";
import type { Joined } from "./connections";

export class Reactions {
	constructor(private readonly store: MessageStore) {}

	react(who: Joined, id: string, target: number, emoji: Emoji, on: boolean): Outcome {
		const reactions = this.store.reactions;
		return change(this.store, {
			who,
			id,
			target,
			kind: "react",
			emoji,
			rule: () =>
				on && !reactions.has(target, emoji, who.device) && reactions.count(target, emoji) >= LIMITS.reactorsMax
					? refuse("reactions_full", `At most ${LIMITS.reactorsMax} people can react to a message with ${emoji}`)
					: undefined,
			apply: (seq) => {
				if (on) reactions.add(target, emoji, who.device, who.name, seq);
				else reactions.remove(target, emoji, who.device);
				this.store.touch(target, seq);
			},
		});
	}
}
