import { useEffect, useRef } from "preact/hooks";
import { myName } from "../../session/chat-store";
import { confirmingDelete, deleteMessage } from "../../session/message-actions";

/** Asks before a message is deleted: a modal dialog, which gives focus back to where it was when it closes. */
export function ConfirmDelete() {
	const message = confirmingDelete.value;
	const ref = useRef<HTMLDialogElement>(null);
	useEffect(() => {
		if (message && !ref.current?.open) ref.current?.showModal();
	}, [message]);
	return (
		<dialog
			ref={ref}
			class="confirm"
			aria-labelledby="confirm-title"
			onClose={() => {
				confirmingDelete.value = null;
			}}
		>
			<h2 id="confirm-title">Delete this message?</h2>
			<p>
				{message && message.name !== myName.value
					? `Everyone will see that ${message.name}'s message was removed by a moderator.`
					: "Everyone will see that a message was deleted."}{" "}
				This cannot be undone.
			</p>
			<form method="dialog" class="dialog-actions">
				<button type="submit" class="secondary" autofocus>
					Cancel
				</button>
				<button type="submit" class="danger" onClick={() => message && deleteMessage(message)}>
					Delete
				</button>
			</form>
		</dialog>
	);
}
