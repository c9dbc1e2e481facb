import { signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { ChatView as ChatViewType } from "./ChatView";
import { clearUnread, room, screen, unread } from "./chat-store";
import { JoinDialog } from "./JoinDialog";
import { Landing } from "./Landing";

/**
 * The chat's screen is a chunk of its own, so that the first screen (the
 * landing page and the name dialog) does not pay for it: it is fetched as
 * soon as the dialog opens, while the person types a name.
 */
const chatView = signal<typeof ChatViewType | null>(null);

function loadChatView(): void {
	if (chatView.value) return;
	import("./ChatView")
		.then((m) => {
			chatView.value = m.ChatView;
		})
		.catch(() => undefined);
}

export function App() {
	useEffect(() => {
		if (screen.value !== "landing") loadChatView();
	}, [screen.value]);
	useEffect(() => {
		const onVisible = () => {
			if (!document.hidden) clearUnread();
		};
		document.addEventListener("visibilitychange", onVisible);
		return () => document.removeEventListener("visibilitychange", onVisible);
	}, []);
	useEffect(() => {
		const where = room.value.room === "lobby" ? "" : ` · ${room.value.room}`;
		document.title = `${unread.value > 0 ? `(${unread.value}) ` : ""}Hashzap${screen.value === "chat" ? where : ""}`;
	}, [unread.value, screen.value, room.value.room]);

	return (
		<>
			{screen.value === "chat" && chatView.value ? <chatView.value /> : <Landing />}
			<JoinDialog />
		</>
	);
}
