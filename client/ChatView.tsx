import { useState } from "preact/hooks";
import { Composer } from "./Composer";
import { ConfirmDelete } from "./ConfirmDelete";
import { announcement, room, status, typing } from "./chat-store";
import { MessageList } from "./MessageList";
import { OnlineList } from "./OnlineList";

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
	const names = typing.value;
	return (
		<div class="chat">
			<header class="chat-header">
				<div class="room">
					<span class="logo" aria-hidden="true">
						#
					</span>
					<h1 class="room-name">{room.value.room}</h1>
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
					{room.value.error && (
						<p class="chat-error" role="alert">
							{room.value.error.reason}
						</p>
					)}
					<p class="typing" aria-live="polite">
						{names.length === 1 ? `${names[0]} is typing…` : names.length > 1 ? "several people are typing…" : ""}
					</p>
					<p class="visually-hidden" aria-live="polite">
						{announcement.value}
					</p>
					<Composer />
					<ConfirmDelete />
				</main>
				<OnlineList />
			</div>
		</div>
	);
}
