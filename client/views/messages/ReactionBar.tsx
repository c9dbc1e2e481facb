import type { ChatMessage } from "../../../protocol";
import { canChange, reacted, toggleReaction } from "../../session/message-actions";

/** A message's reactions: one toggle per emoji, with the count; its name and tooltip say who reacted. */
export function ReactionBar({ message, me }: { message: ChatMessage; me: string | null }) {
	if (!message.reactions) return null;
	return (
		<div class="reactions">
			{message.reactions.map((r) => {
				const who = `${r.emoji} ${r.names.length}: ${r.names.join(", ")}`;
				return (
					<button
						key={r.emoji}
						type="button"
						class="reaction"
						aria-pressed={reacted(message, r.emoji, me)}
						aria-label={who}
						title={who}
						disabled={!canChange.value}
						onClick={() => toggleReaction(message, r.emoji)}
					>
						{r.emoji} {r.names.length}
					</button>
				);
			})}
		</div>
	);
}
