import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import * as v from "valibot";
import { LIMITS, MessageTextSchema, normalizeMessage } from "../../../protocol";
import { noteTyping } from "../../session/chat-store";
import {
	cancelCompose,
	editFrom,
	editing,
	editLast,
	replyingTo,
	resumeEdit,
	submit,
} from "../../session/message-actions";
import { returnedDraft, returnedEdit } from "../../session/outbound";
import { roomName } from "../../shell/app-store";
import { recall, remember } from "../../shell/room-memory";
import { Counter } from "../../ui/Counter";
import { useMentionCompletion } from "./MentionList";

/**
 * The message field: Enter sends, Shift+Enter makes a new line; empty
 * messages are not sent; `@` completes names. The draft survives a reload; a
 * message over the limit is kept, counted and refused out loud, never cut. It
 * also edits (Up in an empty field edits one's last message; Enter saves,
 * Escape cancels) and writes replies. While the `@` list is open, Up, Down,
 * Enter, Tab and Escape are the list's.
 */
export function Composer() {
	const ref = useRef<HTMLTextAreaElement>(null);
	const [text, setText] = useState(() => recall(roomName).draft ?? "");
	const [problem, setProblem] = useState<string | null>(null);
	const length = normalizeMessage(text).length;
	const edited = editing.value;
	const answered = replyingTo.value;
	/** The field's new text: typed, or completed from the `@` list. An edit is never kept as a draft. */
	const write = (value: string) => {
		setText(value);
		setProblem(null);
		if (!edited) remember(roomName, { draft: value || undefined });
	};
	const mentions = useMentionCompletion(ref, text, write);

	// The composer is where typing goes once in the room.
	useEffect(() => ref.current?.focus(), []);

	const handedBack = returnedDraft.value;
	// A send the room refused for now (slow mode, a mute) comes back here, unless something new was typed:
	// before the frame is drawn, so the room's reason never shows over an empty field.
	useLayoutEffect(() => {
		if (handedBack === null) return;
		setText((current) => (current.trim() === "" ? handedBack : current));
		returnedDraft.value = null;
	}, [handedBack]);

	// An edit the room refused for now (slow mode, a mute) is edited again, with its text, once no other edit is open.
	const handedBackEdit = returnedEdit.value;
	useEffect(() => {
		if (handedBackEdit && resumeEdit(handedBackEdit)) returnedEdit.value = null;
	}, [handedBackEdit, edited]);

	// Before the frame is drawn: "Editing your message" never shows over a field without the text it edits.
	useLayoutEffect(() => {
		if (edited) setText(editFrom.peek() ?? edited.text);
		if (edited || answered) ref.current?.focus();
	}, [edited, answered]);

	/** After an edit, the draft that was there before it (an edit is never kept as a draft). */
	const backToDraft = () => setText(recall(roomName).draft ?? "");

	const send = () => {
		const checked = v.safeParse(MessageTextSchema, text);
		if (!checked.success) {
			// An empty message is simply not sent; anything else is said.
			setProblem(text.trim() === "" ? null : checked.issues[0].message);
			return;
		}
		submit(text);
		setProblem(null);
		if (edited) {
			backToDraft();
			return;
		}
		setText("");
		remember(roomName, { draft: undefined });
	};
	const cancel = () => {
		if (edited) backToDraft();
		setProblem(null);
		cancelCompose();
		ref.current?.focus();
	};

	return (
		<form
			class="composer"
			onSubmit={(e) => {
				e.preventDefault();
				send();
				// After Send, typing goes on here (on a phone, the keyboard stays open).
				ref.current?.focus();
			}}
		>
			{mentions.list}
			{edited && (
				<p class="composing">
					<span>Editing your message</span>
					<button type="button" class="link-button" onClick={cancel}>
						Cancel
					</button>
				</p>
			)}
			{answered && (
				<p class="composing">
					<span class="quote-text">
						Replying to <span class="sender">{answered.name}</span>: {answered.text}
					</span>
					<button type="button" class="link-button" onClick={cancel}>
						Cancel reply
					</button>
				</p>
			)}
			<label for="message" class="visually-hidden">
				Message
			</label>
			<textarea
				ref={ref}
				id="message"
				name="message"
				rows={1}
				placeholder="Write a message…"
				value={text}
				aria-invalid={length > LIMITS.messageMax ? "true" : undefined}
				aria-describedby="message-count message-problem"
				{...mentions.fieldProps}
				onInput={(e) => {
					const value = e.currentTarget.value;
					write(value);
					mentions.track();
					if (edited) return;
					if (value.trim() !== "") noteTyping();
				}}
				onClick={mentions.track}
				onKeyUp={(e) => {
					if (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End") mentions.track();
				}}
				onKeyDown={(e) => {
					if (mentions.onKeyDown(e)) return;
					if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
						e.preventDefault();
						send();
					} else if (e.key === "Escape" && (edited || answered)) {
						e.preventDefault();
						cancel();
					} else if (e.key === "ArrowUp" && text === "" && editLast()) {
						e.preventDefault();
					}
				}}
			/>
			{/* Pressing Send must not take focus from the field: on a phone that would close the keyboard. */}
			<button type="submit" class="primary" onMouseDown={(e) => e.preventDefault()}>
				{edited ? "Save" : "Send"}
			</button>
			<div class="composer-notes">
				<p id="message-problem" class="form-error" role="alert">
					{problem}
				</p>
				<Counter id="message-count" length={length} max={LIMITS.messageMax} />
			</div>
		</form>
	);
}
