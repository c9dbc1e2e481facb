import { avatarColour, initials } from "./format";

export function Avatar({ name }: { name: string }) {
	return (
		<span class={`avatar avatar-${avatarColour(name)}`} aria-hidden="true">
			{initials(name)}
		</span>
	);
}
