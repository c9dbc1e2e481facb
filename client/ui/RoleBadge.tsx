import type { StaffMember } from "../../protocol";

/** The badge beside an owner's or a moderator's name: everyone sees who moderates. */
export function RoleBadge({ role }: { role: StaffMember["role"] | undefined }) {
	if (!role) return null;
	return (
		<span class={`role-badge role-${role}`} title={role === "owner" ? "Owner of this room" : "Moderator"}>
			{role === "owner" ? "Owner" : "Mod"}
			<span class="visually-hidden">{role === "owner" ? " (owner)" : " (moderator)"}</span>
		</span>
	);
}
