import type { Signal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { leaveRoom, myName, title } from "../../session/chat-store";
import { removed } from "../../session/moderation-state";
import { renaming } from "../../shell/app-store";
import { Avatar } from "../people/Avatar";
import { namingRoom } from "./RoomTitleDialog";

/**
 * Your avatar in the header: a menu to change your name, name the room (its creator only), or leave it;
 * only to leave it once a moderator removed this page.
 */
export function YouMenu() {
	const name = myName.value;
	if (!name) return null;
	const inRoom = !removed.value;
	return (
		<>
			<button type="button" class="you-button" popovertarget="you-menu" aria-label={`You: ${name}`}>
				<Avatar name={name} />
			</button>
			<div id="you-menu" class="you-menu" popover="auto">
				<p>
					You are <bdi class="who">{name}</bdi>
				</p>
				{inRoom && <OpensDialog open={renaming}>Change name</OpensDialog>}
				{inRoom && title.value.mine && <OpensDialog open={namingRoom}>Name this room</OpensDialog>}
				<button type="button" class="secondary" onClick={leaveRoom}>
					Leave room
				</button>
			</div>
		</>
	);
}

/** A menu item that closes the menu and opens a dialog (by setting the signal the dialog follows). */
function OpensDialog({ open, children }: { open: Signal<boolean>; children: ComponentChildren }) {
	return (
		<button
			type="button"
			class="secondary"
			popovertarget="you-menu"
			popovertargetaction="hide"
			onClick={() => {
				open.value = true;
			}}
		>
			{children}
		</button>
	);
}
