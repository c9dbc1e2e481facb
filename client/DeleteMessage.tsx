import { deleteMessage } from "./roles";

/** Delete on a message, for owners and moderators: the room removes its text for everyone and says so on the line. */
export function DeleteMessage({ name, seq }: { name: string; seq: number }) {
	return (
		<button
			type="button"
			class="line-tool"
			aria-label={`Delete message from ${name}`}
			title="Delete message"
			onClick={() => deleteMessage(seq)}
		>
			Delete
		</button>
	);
}
