import { useEffect } from "preact/hooks";
import { ChatView } from "./ChatView";
import { clearUnread, room, screen, unread } from "./chat-store";
import { JoinDialog } from "./JoinDialog";
import { Landing } from "./Landing";

export function App() {
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
			{screen.value === "chat" ? <ChatView /> : <Landing />}
			<JoinDialog />
		</>
	);
}
