import { computed } from "@preact/signals";
import { useState } from "preact/hooks";
import { roomError, roomName } from "./app-store";
import { Composer } from "./Composer";
import { ConfirmDelete } from "./ConfirmDelete";
import { announcement, status, typing } from "./chat-store";
import { MessageList } from "./MessageList";
import { OnlineList } from "./OnlineList";

/** The typing line's text: a signal in the JSX, so that its changes update that text alone, not the view. */
const typingText = computed(() => {
	const names = typing.value;
	return names.length === 1 ? `${names[0]} is typing…` : names.length > 1 ? "several people are typing…" : "";
});

export function ChatView() {
	const [copied, setCopied] = useState(false);
	const copyLink = async () => {
		try {
			await navigator.clipboard.writeText(location.href);
			setCopied(true);
			setTimeout(() => setCopied(false), 2000);
		} catch {
			setCopied(false);
		}
	};
	const error = roomError.value;
	return (
		<div class="chat">
			<header class="chat-header">
				<div class="room">
					<span class="logo" aria-hidden="true">
						#
					</span>
					<h1 class="room-name">{roomName}</h1>
					<button type="button" class="link-button" onClick={copyLink}>
						{copied ? "Link copied" : "Copy link"}
					</button>
				</div>
				<p class={`status status-${status.value}`} role="status">
					{status.value === "online" ? "Online" : status.value === "reconnecting" ? "Reconnecting…" : "Connecting…"}
				</p>
			</header>
			<div class="chat-body">
				<main class="conversation">
					<MessageList />
					{error && (
						<p class="chat-error" role="alert">
							{error.reason}
						</p>
					)}
					<p class="typing" aria-live="polite">
						{typingText}
					</p>
					<p class="visually-hidden" aria-live="polite">
						{announcement}
					</p>
					<Composer />
					<ConfirmDelete />
				</main>
				<OnlineList />
			</div>
		</div>
	);
}
