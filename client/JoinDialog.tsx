import { useEffect, useRef, useState } from "preact/hooks";
import * as v from "valibot";
import { LIMITS, NameSchema } from "../protocol";
import { enterChat, joining, roomError, savedName, screen } from "./app-store";

/** "Welcome to Hashzap": a modal <dialog>, so the page behind is inert and focus returns on close. */
export function JoinDialog() {
	const ref = useRef<HTMLDialogElement>(null);
	const [name, setName] = useState(savedName.value);
	const [problem, setProblem] = useState<string | null>(null);
	const open = screen.value === "dialog";
	const serverError = roomError.value;

	useEffect(() => {
		const dialog = ref.current;
		if (!dialog) return;
		if (open && !dialog.open) dialog.showModal();
		if (!open && dialog.open) dialog.close();
	}, [open]);

	useEffect(() => {
		if (open && serverError) setProblem(serverError.reason);
	}, [open, serverError]);

	const submit = (event: Event) => {
		event.preventDefault();
		const checked = v.safeParse(NameSchema, name);
		if (!checked.success) {
			setProblem(checked.issues[0].message);
			return;
		}
		setProblem(null);
		enterChat(checked.output);
	};

	return (
		<dialog
			ref={ref}
			class="join-dialog"
			aria-labelledby="join-title"
			onClose={() => {
				if (screen.value === "dialog") screen.value = "landing";
			}}
			onKeyDown={trapFocus}
		>
			<form onSubmit={submit} novalidate>
				<h2 id="join-title">Welcome to Hashzap</h2>
				<label for="join-name">Your name</label>
				<input
					id="join-name"
					name="name"
					autocomplete="nickname"
					maxLength={LIMITS.nameMax}
					value={name}
					onInput={(e) => setName(e.currentTarget.value)}
					aria-invalid={problem ? "true" : "false"}
					aria-describedby={problem ? "join-problem" : undefined}
				/>
				{problem && (
					<p id="join-problem" class="form-error" role="alert">
						{problem}
					</p>
				)}
				<div class="dialog-actions">
					<button type="button" class="secondary" onClick={() => ref.current?.close()}>
						Cancel
					</button>
					<button type="submit" class="primary" disabled={joining.value}>
						Enter Chat
					</button>
				</div>
			</form>
		</dialog>
	);
}

/** Tab and Shift+Tab cycle within the dialog instead of leaving it for the browser's own controls. */
function trapFocus(event: KeyboardEvent) {
	if (event.key !== "Tab") return;
	const dialog = event.currentTarget as HTMLDialogElement;
	const focusable = [...dialog.querySelectorAll<HTMLElement>("input, button:not([disabled])")];
	const first = focusable[0];
	const last = focusable.at(-1);
	if (event.shiftKey && document.activeElement === first) {
		event.preventDefault();
		last?.focus();
	} else if (!event.shiftKey && document.activeElement === last) {
		event.preventDefault();
		first?.focus();
	}
}
