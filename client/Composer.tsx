import { useRef, useState } from "preact/hooks";
import { LIMITS } from "../protocol";
import { noteTyping, sendMessage } from "./chat-store";
import { useMentionCompletion } from "./MentionList";

/** The message field: Enter sends, Shift+Enter makes a new line; empty messages are not sent; `@` completes names. */
export function Composer() {
	const [text, setText] = useState("");
	const field = useRef<HTMLTextAreaElement>(null);
	const mentions = useMentionCompletion(field, text, setText);

	const send = () => {
		if (text.trim() === "") return;
		sendMessage(text);
		setText("");
	};

	return (
		<form
			class="composer"
			onSubmit={(e) => {
				e.preventDefault();
				send();
			}}
		>
			{mentions.list}
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
				{...mentions.fieldProps}
				onInput={(e) => {
					setText(e.currentTarget.value);
					mentions.track();
					if (e.currentTarget.value.trim() !== "") noteTyping();
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
					}
				}}
			/>
			<button type="submit" class="primary">
				Send
			</button>
		</form>
	);
}
