import { computed } from "@preact/signals";
import { useState } from "preact/hooks";
import { timeOf } from "../model/format";
import { announcement, displayTitle, hasMore, messages, myName, title, typing } from "../session/chat-store";
import { myRole, removed } from "../session/moderation-state";
import { notSent, pending, status } from "../session/outbound";
import { roomError } from "../shell/app-store";
import { HeaderIcon } from "../ui/HeaderIcon";
import { Composer } from "./compose/Composer";
import { CopyLink } from "./header/CopyLink";
import { NotifyControl } from "./header/NotifyControl";
import { namingRoom, RoomTitleDialog } from "./header/RoomTitleDialog";
import { YouMenu } from "./header/YouMenu";
import { ConfirmDelete } from "./messages/ConfirmDelete";
import { MessageList } from "./messages/MessageList";
import { OnlineList, OnlineSheet } from "./people/OnlineList";
import { staffUi } from "./staff/staff-loader";

const STATUS = {
	online: "Connected",
	reconnecting: "Reconnecting…",
	connecting: "Connecting…",
	out: "Out of the room",
};

/** Whether nothing has been said in the room yet (as far back as it goes). Its readers hear of it only when it flips. */
const emptyRoom = computed(
	() => !hasMore.value && pending.value.length === 0 && !messages.value.some((m) => m.kind === "chat"),
);

export function ChatView() {
	const [settingsOpen, setSettingsOpen] = useState(false);
	const tools = staffUi.value;
	// Removed by a moderator: nothing that needs the room is offered (who is online, notifications, the composer).
	const out = removed.value;
	const error = roomError.value;
	const problem = notSent.value ?? (error && !out ? error.reason : null);
	return (
		<div class="chat">
			<header class="chat-header">
				<span class="logo" aria-hidden="true">
					#
				</span>
				<div class="room">
					<h1 class="room-name">{displayTitle}</h1>
					<p class={`status status-${status.value}`} role="status">
						{STATUS[status.value]}
					</p>
				</div>
				<CopyLink />
				{!out && <NotifyControl />}
				{myRole.value !== "member" && tools && (
					<button type="button" class="link-button" onClick={() => setSettingsOpen(true)}>
						<HeaderIcon name="settings" />
						<span class="label">Room settings</span>
					</button>
				)}
				{!out && <OnlineSheet />}
				<YouMenu />
			</header>
			<div class="chat-body">
				<main class="conversation">
					<MessageList />
					<EmptyRoom />
					{problem && (
						<p class="chat-error" role="alert">
							{problem}
						</p>
					)}
					<TypingLine />
					<p class="visually-hidden" aria-live="polite">
						{announcement}
					</p>
					{out ? <Removed out={out} /> : <Composer />}
					<ConfirmDelete />
				</main>
				{!out && <OnlineList />}
			</div>
			<RoomTitleDialog />
			{settingsOpen && tools && <tools.RoomSettings onClose={() => setSettingsOpen(false)} />}
		</div>
	);
}

/** Who is typing, the name as a name: its own component, so that typing frames re-render this line alone. */
function TypingLine() {
	const names = typing.value;
	return (
		<p class="typing" aria-live="polite">
			{names.length === 1 ? (
				<>
					<bdi class="who">{names[0]}</bdi> is typing…
				</>
			) : names.length > 1 ? (
				"several people are typing…"
			) : (
				""
			)}
		</p>
	);
}

/** In a room with nothing said yet: how to bring people in. */
function EmptyRoom() {
	if (!emptyRoom.value || !myName.value || removed.value) return null;
	return (
		<div class="empty-room">
			<p>
				<strong>No messages yet.</strong> Anyone with the link can join this room.
			</p>
			<div class="empty-actions">
				<CopyLink />
				{title.value.mine && (
					<button
						type="button"
						class="link-button"
						onClick={() => {
							namingRoom.value = true;
						}}
					>
						Name this room
					</button>
				)}
			</div>
		</div>
	);
}

/** In place of the composer once a moderator removed this page: kicked (may come back) or banned (until when). */
function Removed({ out }: { out: NonNullable<typeof removed.value> }) {
	return (
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
	);
}
