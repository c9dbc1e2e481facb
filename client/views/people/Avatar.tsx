import { computed } from "@preact/signals";
import { avatarColour, distinctColours, initials } from "../../model/format";
import { online } from "../../session/chat-store";

/** A colour for each person here, all different; recomputed only when the online list changes. */
const roomColours = computed(() => distinctColours(online.value));

/** Initials on a colour: the person's own in the room, or the one their name prefers once they have left. */
export function Avatar({ name }: { name: string }) {
	return (
		<span class={`avatar avatar-${roomColours.value.get(name) ?? avatarColour(name)}`} aria-hidden="true">
			{initials(name)}
		</span>
	);
}
