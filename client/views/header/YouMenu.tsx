import type { Signal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { leaveRoom, myName, title } from "../../session/chat-store";
import { renaming } from "../../shell/app-store";
import { Avatar } from "../people/Avatar";
import { namingRoom } from "./RoomTitleDialog";

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
				<OpensDialog open={renaming}>Change name</OpensDialog>
				{title.value.mine && <OpensDialog open={namingRoom}>Name this room</OpensDialog>}
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
