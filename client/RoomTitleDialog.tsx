import { useEffect, useRef, useState } from "preact/hooks";
import * as v from "valibot";
import { LIMITS, normalizeName, RoomTitleSchema } from "../protocol";
import { Counter } from "./Counter";
import { title as roomTitle, setRoomTitle } from "./chat-store";
import { trapFocus } from "./JoinDialog";
import { namingRoom } from "./room-title";

/** "Name this room": the creator gives the room a display title; the room checks that they may. */
export function RoomTitleDialog() {
	const ref = useRef<HTMLDialogElement>(null);
	const [title, setTitle] = useState("");
	const [problem, setProblem] = useState<string | null>(null);

	useEffect(() => {
		const dialog = ref.current;
		if (!dialog) return;
		if (namingRoom.value && !dialog.open) {
			setTitle(roomTitle.value.text ?? "");
			setProblem(null);
			dialog.showModal();
		}
		if (!namingRoom.value && dialog.open) dialog.close();
	}, [namingRoom.value]);

	const submit = (event: Event) => {
		event.preventDefault();
		const checked = v.safeParse(RoomTitleSchema, title);
		if (!checked.success) {
			setProblem(checked.issues[0].message);
			return;
		}
		setRoomTitle(checked.output);
		namingRoom.value = false;
	};

	return (
		<dialog
			ref={ref}
			class="join-dialog"
			aria-labelledby="title-dialog-title"
			onClose={() => {
				namingRoom.value = false;
			}}
			onKeyDown={trapFocus}
		>
			<form onSubmit={submit} novalidate>
				<h2 id="title-dialog-title">Name this room</h2>
				<div class="field-label">
					<label for="room-title">Room title</label>
					<Counter id="room-title-count" length={normalizeName(title).length} max={LIMITS.titleMax} />
				</div>
				<input
					id="room-title"
					name="title"
					autocomplete="off"
					value={title}
					onInput={(e) => {
						setTitle(e.currentTarget.value);
						setProblem(null);
					}}
					aria-invalid={problem ? "true" : "false"}
					aria-describedby="room-title-note room-title-count room-title-problem"
				/>
				<p id="room-title-note" class="field-note">
					Everyone in the room sees it. The link stays the same.
				</p>
				<p id="room-title-problem" class="form-error" role="alert">
					{problem}
				</p>
				<div class="dialog-actions">
					<button type="button" class="secondary" onClick={() => ref.current?.close()}>
						Cancel
					</button>
					<button type="submit" class="primary">
						Save
					</button>
				</div>
			</form>
		</dialog>
	);
}
