import { isPrivateRoomName } from "../../protocol/limits";
import { newPrivateRoom, roomName, screen } from "./app-store";

export function Landing() {
	const name = roomName;
	return (
		<main class="landing">
			<h1 class="brand">Hashzap</h1>
			<p class="tagline">Real-time chat that fits in a link.</p>
			{name !== "lobby" && (
				<p class="landing-room">
					{isPrivateRoomName(name) ? (
						"A private room"
					) : (
						<>
							Room <strong>{name}</strong>
						</>
					)}
				</p>
			)}
			<div class="landing-actions">
				<button type="button" class="primary" onClick={() => (screen.value = "dialog")}>
					Start Chat
				</button>
				<button type="button" class="secondary" onClick={newPrivateRoom}>
					New private room
				</button>
			</div>
			<p class="landing-note">A private room has a link nobody can guess. Anyone with the link can join.</p>
		</main>
	);
}
