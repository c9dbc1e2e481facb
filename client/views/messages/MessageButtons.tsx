import { useEffect, useRef, useState } from "preact/hooks";
import { type ChatMessage, type Emoji, REACTIONS } from "../../../protocol";
import { confirmingDelete, startEdit, startReply, toggleReaction } from "../../session/message-actions";

/**
 * The buttons on a message, shown on hover, on focus and on a long press:
 * Reply, React (the eight emoji in a popup), on one's own Edit, and Delete on
 * one's own or, for an owner or a moderator (`staff`), on anyone's.
 */
export function MessageButtons({ message, own, staff }: { message: ChatMessage; own: boolean; staff: boolean }) {
	const [picking, setPicking] = useState(false);
	const react = useRef<HTMLButtonElement>(null);
	const close = () => {
		setPicking(false);
		react.current?.focus();
	};
	return (
		<div class="actions">
			<button type="button" onClick={() => startReply(message)}>
				Reply
			</button>
			<button
				type="button"
				ref={react}
				aria-haspopup="dialog"
				aria-expanded={picking}
				onClick={() => setPicking(!picking)}
			>
				React
			</button>
			{own && (
				<button type="button" onClick={() => startEdit(message)}>
					Edit
				</button>
			)}
			{(own || staff) && (
				<button
					type="button"
					onClick={() => {
						confirmingDelete.value = message;
					}}
				>
					Delete
				</button>
			)}
			{picking && (
				<ReactionPicker
					onPick={(emoji) => {
						toggleReaction(message, emoji);
						close();
					}}
					onClose={close}
					onLeave={() => setPicking(false)}
				/>
			)}
		</div>
	);
}

/** A popup of the eight emoji: focus moves into it, arrows move along it, Escape brings focus back. */
function ReactionPicker(props: { onPick: (emoji: Emoji) => void; onClose: () => void; onLeave: () => void }) {
	const ref = useRef<HTMLDivElement>(null);
	useEffect(() => ref.current?.querySelector("button")?.focus(), []);
	const onKeyDown = (e: KeyboardEvent) => {
		const buttons = [...(ref.current?.querySelectorAll("button") ?? [])];
		const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
		const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
		if (e.key === "Escape") props.onClose();
		else if (step) buttons[(at + step + buttons.length) % buttons.length]?.focus();
		else return;
		e.preventDefault();
		e.stopPropagation();
	};
	return (
		<div
			ref={ref}
			class="picker"
			role="dialog"
			aria-label="Reactions"
			onKeyDown={onKeyDown}
			onFocusOut={(e) => {
				if (!ref.current?.contains(e.relatedTarget as Node | null)) props.onLeave();
			}}
		>
			{REACTIONS.map((emoji) => (
				<button key={emoji} type="button" onClick={() => props.onPick(emoji)}>
					{emoji}
				</button>
			))}
		</div>
	);
}
