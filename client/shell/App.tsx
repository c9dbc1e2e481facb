import { useSignalEffect } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { clearUnread, roomName, screen, unread } from "./app-store";
import { chat, loadChat } from "./chat-loader";
import { JoinDialog } from "./JoinDialog";
import { Landing } from "./Landing";
import { roomTitle } from "./room-name";
import { tabTitle, unreadMentions } from "./tab-badge";

/** A link straight into a room: the chat is likely next, so its chunk is fetched at once. */
const roomLink = location.pathname.startsWith("/r/");

export function App() {
	useEffect(() => {
		const onVisible = () => {
			if (!document.hidden) clearUnread();
		};
		document.addEventListener("visibilitychange", onVisible);
		return () => document.removeEventListener("visibilitychange", onVisible);
	}, []);
	// Effects on signals, not reads in the render: the unread count changes without re-rendering the page.
	useSignalEffect(() => {
		const where = roomName === "lobby" ? "" : ` · ${chat.value?.displayTitle.value ?? roomTitle(roomName, null)}`;
		document.title = tabTitle(`Hashzap${screen.value === "chat" ? where : ""}`, unread.value, unreadMentions.value);
	});
	useSignalEffect(() => {
		// A failed prefetch is tried again, and reported, when the name is entered.
		if (roomLink || screen.value === "dialog") loadChat().catch(() => undefined);
	});

	const Chat = chat.value?.ChatView;
	return (
		<>
			{/* Straight back into a room, the chat shows as soon as its code is here; never the landing page first. */}
			{screen.value === "chat" ? Chat && <Chat /> : <Landing />}
			<JoinDialog />
		</>
	);
}
