import { Avatar } from "./Avatar";
import { renaming } from "./app-store";
import { leaveRoom, myName, title } from "./chat-store";
import { namingRoom } from "./room-title";

/** Your avatar in the header: a menu to change your name, name the room (its creator only), or leave it. */
export function YouMenu() {
	const name = myName.value;
	if (!name) return null;
	return (
		<>
			<button type="button" class="you-button" popovertarget="you-menu" aria-label={`You: ${name}`}>
				<Avatar name={name} />
			</button>
			<div id="you-menu" class="you-menu" popover="auto">
				<p>
					You are <bdi class="who">{name}</bdi>
				</p>
				<button
					type="button"
					class="secondary"
					popovertarget="you-menu"
					popovertargetaction="hide"
					onClick={() => {
						renaming.value = true;
					}}
				>
					Change name
				</button>
				{title.value.mine && (
					<button
						type="button"
						class="secondary"
						popovertarget="you-menu"
						popovertargetaction="hide"
						onClick={() => {
							namingRoom.value = true;
						}}
					>
						Name this room
					</button>
				)}
				<button type="button" class="secondary" onClick={leaveRoom}>
					Leave room
				</button>
			</div>
		</>
	);
}
