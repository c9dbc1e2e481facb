import { useEffect, useRef, useState } from "preact/hooks";
import * as v from "valibot";
// From the protocol's own files, not its index: the index would bring every frame's schema to the first screen.
import { LIMITS } from "../../protocol/limits";
import { NameSchema } from "../../protocol/text";
import { trapFocus } from "../ui/dialog";
import { LineField } from "../ui/LineField";
import { joining, renaming, roomError, savedName, screen } from "./app-store";
import { enterChat, rename } from "./chat-loader";

/**
 * The room's answers that concern the dialog: a refused name, a chat that could not be loaded, or a newcomer
 * refused at the door (a locked room; a ban, of this device or its address), who is never let into the chat.
 */
const FOR_THE_DIALOG = new Set(["name_taken", "invalid_name", "chat_not_loaded", "room_locked", "banned"]);

/**
 * "Welcome to Hashzap": a modal <dialog>, so the page behind is inert and
 * focus returns on close. From inside the chat, the same dialog changes the
 * name. A name over the limit is kept and counted, and refused out loud.
 */
export function JoinDialog() {
	const ref = useRef<HTMLDialogElement>(null);
	const field = useRef<HTMLInputElement>(null);
	const [name, setName] = useState(savedName.value);
	const [problem, setProblem] = useState<string | null>(null);
	const open = screen.value === "dialog" || renaming.value;
	const error = roomError.value;
	const serverError = error && FOR_THE_DIALOG.has(error.code) ? error : null;

	useEffect(() => {
		const dialog = ref.current;
		if (!dialog) return;
		if (open && !dialog.open) {
			if (renaming.value) setName(savedName.value);
			setProblem(null);
			dialog.showModal();
		}
		if (!open && dialog.open) {
			dialog.close();
			// Into the chat: typing goes to the composer (the page behind was inert until now).
			document.getElementById("message")?.focus();
		}
	}, [open]);

	useEffect(() => {
		if (open && serverError) {
			setProblem(serverError.reason);
			field.current?.focus();
		}
	}, [open, serverError]);

	const submit = (event: Event) => {
		event.preventDefault();
		const checked = v.safeParse(NameSchema, name);
		if (!checked.success) {
			setProblem(checked.issues[0].message);
			field.current?.focus();
			return;
		}
		setProblem(null);
		if (renaming.value) void rename(checked.output);
		else void enterChat(checked.output);
	};

	return (
		<dialog
			ref={ref}
			class="join-dialog"
			aria-labelledby="join-title"
			onClose={() => {
				renaming.value = false;
				if (screen.value === "dialog") screen.value = "landing";
			}}
			onKeyDown={trapFocus}
		>
			<form onSubmit={submit} novalidate>
				<h2 id="join-title">{renaming.value ? "Change your name" : "Welcome to Hashzap"}</h2>
				<LineField
					id="join-name"
					label="Your name"
					value={name}
					max={LIMITS.nameMax}
					autocomplete="nickname"
					onInput={(value) => {
						setName(value);
						setProblem(null);
					}}
					problem={problem}
					inputRef={field}
				/>
				<div class="dialog-actions">
					<button type="button" class="secondary" onClick={() => ref.current?.close()}>
						Cancel
					</button>
					<button type="submit" class="primary" disabled={joining.value}>
						{renaming.value ? "Save" : "Enter Chat"}
					</button>
				</div>
			</form>
		</dialog>
	);
}
