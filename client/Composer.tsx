import { useEffect, useRef, useState } from "preact/hooks";
import { LIMITS } from "../protocol";
import { noteTyping } from "./chat-store";
import { cancelCompose, editing, editLast, replyingTo, submit } from "./message-actions";

/**
 * The message field: Enter sends, Shift+Enter makes a new line; empty messages are not sent.
 * It also edits (Up in an empty field edits one's last message; Enter saves, Escape cancels)
 * and writes replies.
 */
export function Composer() {
	const [text, setText] = useState("");
	const field = useRef<HTMLTextAreaElement>(null);
	const edited = editing.value;
	const answered = replyingTo.value;

	useEffect(() => {
		if (edited) setText(edited.text);
		if (edited || answered) field.current?.focus();
	}, [edited, answered]);

	const send = () => {
		if (text.trim() === "") return;
		submit(text);
		setText("");
	};
	const cancel = () => {
		if (edited) setText("");
		cancelCompose();
		field.current?.focus();
	};

	return (
		<form
			class="composer"
			onSubmit={(e) => {
				e.preventDefault();
				send();
			}}
		>
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
				ref={field}
				id="message"
				name="message"
				rows={1}
				placeholder="Write a message…"
				maxLength={LIMITS.messageMax}
				value={text}
				onInput={(e) => {
					setText(e.currentTarget.value);
					if (e.currentTarget.value.trim() !== "" && !edited) noteTyping();
				}}
				onKeyDown={(e) => {
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
			<button type="submit" class="primary">
				{edited ? "Save" : "Send"}
			</button>
		</form>
	);
}
