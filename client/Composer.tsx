import { useEffect, useState } from "preact/hooks";
import { LIMITS } from "../protocol";
import { noteTyping, returnedDraft, sendMessage } from "./chat-store";

/** The message field: Enter sends, Shift+Enter makes a new line; empty messages are not sent. */
export function Composer() {
	const [text, setText] = useState("");
	const handedBack = returnedDraft.value;

	// A send the room refused for now (slow mode, a mute) comes back here, unless something new was typed.
	useEffect(() => {
		if (handedBack === null) return;
		setText((current) => (current.trim() === "" ? handedBack : current));
		returnedDraft.value = null;
	}, [handedBack]);

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
			<label for="message" class="visually-hidden">
				Message
			</label>
			<textarea
				id="message"
				name="message"
				rows={1}
				placeholder="Write a message…"
				maxLength={LIMITS.messageMax}
				value={text}
				onInput={(e) => {
					setText(e.currentTarget.value);
					if (e.currentTarget.value.trim() !== "") noteTyping();
				}}
				onKeyDown={(e) => {
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
