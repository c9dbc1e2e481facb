import { signal } from "@preact/signals";
import { useEffect, useRef, useState } from "preact/hooks";
import * as v from "valibot";
import { LIMITS, RoomTitleSchema } from "../../../protocol";
import { title as roomTitle, setRoomTitle } from "../../session/chat-store";
import { trapFocus } from "../../ui/dialog";
import { LineField } from "../../ui/LineField";

/** True while the dialog is open: the empty room's hint and the You menu open it. */
export const namingRoom = signal(false);

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
				<LineField
					id="room-title"
					label="Room title"
					value={title}
					max={LIMITS.titleMax}
					autocomplete="off"
					onInput={(value) => {
						setTitle(value);
						setProblem(null);
					}}
					problem={problem}
					note="Everyone in the room sees it. The link stays the same."
				/>
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
