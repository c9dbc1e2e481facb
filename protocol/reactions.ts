/**
 * Reactions: a fixed set of eight emoji, as Campfire's boosts. A full
 * picker would cost the page more bytes than it is worth.
 */
import * as v from "valibot";

/** The emoji a message can be reacted to with, in the order they are shown. */
export const REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"] as const;

export type Emoji = (typeof REACTIONS)[number];

export const EmojiSchema = v.picklist(REACTIONS, `A reaction must be one of ${REACTIONS.join(" ")}`);

/** One emoji's reactions on a message: who reacted, first first. */
export interface Reaction {
	emoji: Emoji;
	names: string[];
}
