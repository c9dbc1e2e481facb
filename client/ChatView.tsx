import { useState } from "preact/hooks";
import { Composer } from "./Composer";
import { room, status, typing } from "./chat-store";
import { timeOf } from "./format";
import { MessageList } from "./MessageList";
import { OnlineList } from "./OnlineList";
import { myRole, removed } from "./roles";
import { staffUi } from "./staff-ui";

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
					{room.value.error && !out && (
						<p class="chat-error" role="alert">
							{room.value.error.reason}
						</p>
					)}
					<p class="typing" aria-live="polite">
						{names.length === 1 ? `${names[0]} is typing…` : names.length > 1 ? "several people are typing…" : ""}
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
