import { computed } from "@preact/signals";
import { useState } from "preact/hooks";
import { roomError, roomName } from "./app-store";
import { Composer } from "./Composer";
import { status, typing } from "./chat-store";
import { timeOf } from "./format";
import { MessageList } from "./MessageList";
import { OnlineList } from "./OnlineList";
import { myRole, removed } from "./roles";
import { staffUi } from "./staff-ui";

/** The typing line's text: a signal in the JSX, so that its changes update that text alone, not the view. */
const typingText = computed(() => {
	const names = typing.value;
	return names.length === 1 ? `${names[0]} is typing…` : names.length > 1 ? "several people are typing…" : "";
});

export function ChatView() {
	const [copied, setCopied] = useState(false);
	const [settingsOpen, setSettingsOpen] = useState(false);
	const tools = staffUi.value;
	const out = removed.value;
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
					{myRole.value !== "member" && tools && (
						<button type="button" class="link-button" onClick={() => setSettingsOpen(true)}>
							Room settings
						</button>
					)}
				</div>
				<p class={`status status-${status.value}`} role="status">
					{status.value === "online" ? "Online" : status.value === "reconnecting" ? "Reconnecting…" : "Connecting…"}
				</p>
			</header>
			<div class="chat-body">
				<main class="conversation">
					<MessageList />
					{error && !out && (
						<p class="chat-error" role="alert">
							{error.reason}
						</p>
					)}
					<p class="typing" aria-live="polite">
						{typingText}
					</p>
					{out ? (
						<div class="removed" role="alert">
							{"kicked" in out ? (
								<p>
									You were removed from the room by a moderator. You may come back.{" "}
									<button type="button" class="secondary" onClick={() => location.reload()}>
										Rejoin
									</button>
								</p>
							) : (
								<p>
									{out.until === null
										? "You are banned from this room until a moderator lifts the ban."
										: `You are banned from this room until ${new Date(out.until).toLocaleDateString()} ${timeOf(out.until)}.`}
								</p>
							)}
						</div>
					) : (
						<Composer />
					)}
				</main>
				<OnlineList />
			</div>
			{settingsOpen && tools && <tools.RoomSettings onClose={() => setSettingsOpen(false)} />}
		</div>
	);
}
