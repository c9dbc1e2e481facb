import { useRef } from "preact/hooks";
import { myName, online as onlineNames } from "../../session/chat-store";
import { canActOn, roleOf } from "../../session/moderation-state";
import { RoleBadge } from "../../ui/RoleBadge";
import { staffUi } from "../staff/staff-loader";
import { Avatar } from "./Avatar";

/** Who is here, one entry per person: owners and moderators with a badge, and for staff a menu on each member. */
function People() {
	const online = onlineNames.value;
	const name = myName.value;
	return (
		<ul>
			{online.map((n) => (
				<li key={n}>
					<Avatar name={n} />
					<span class="online-name">{n}</span>
					<RoleBadge role={roleOf(n)} />
					{n === name && <span class="you"> (you)</span>}
					{n !== name && canActOn(roleOf(n)) && staffUi.value && (
						<staffUi.value.ModerationMenu name={n} target={{ name: n }} />
					)}
				</li>
			))}
		</ul>
	);
}

function Heading({ id }: { id: string }) {
	return (
		<h2 id={id}>
			Online <span class="count">{onlineNames.value.length}</span>
		</h2>
	);
}

/** Beside the conversation on a wide screen. */
export function OnlineList() {
	return (
		<aside class="online" aria-labelledby="online-title">
			<Heading id="online-title" />
			<People />
			<p class="share-note">Anyone with the link can join.</p>
		</aside>
	);
}

/** On a phone: a button with the count in the header, which opens the list as a sheet. */
export function OnlineSheet() {
	const ref = useRef<HTMLDialogElement>(null);
	const count = onlineNames.value.length;
	return (
		<>
			<button
				type="button"
				class="online-button"
				aria-label={`${count} online`}
				aria-haspopup="dialog"
				onClick={() => ref.current?.showModal()}
			>
				<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
					<path
						fill="currentColor"
						d="M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm7 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM1 20c0-3.9 3.6-6 8-6s8 2.1 8 6v1H1v-1Zm17.5 1v-1c0-2-.8-3.7-2.3-4.9 3.6.2 6.8 2 6.8 4.9v1h-4.5Z"
					/>
				</svg>
				{count}
			</button>
			{/* biome-ignore lint/a11y/useKeyWithClickEvents: a tap on the backdrop is a shortcut; keys have Escape and Close */}
			<dialog
				ref={ref}
				class="sheet"
				aria-labelledby="online-sheet-title"
				onClick={(e) => {
					// A tap on the backdrop (the dialog itself, outside its content) closes the sheet.
					if (e.target === e.currentTarget) e.currentTarget.close();
				}}
			>
				<div class="sheet-content online">
					<Heading id="online-sheet-title" />
					<People />
					<p class="share-note">Anyone with the link can join.</p>
					<form method="dialog">
						<button type="submit" class="secondary">
							Close
						</button>
					</form>
				</div>
			</dialog>
		</>
	);
}
