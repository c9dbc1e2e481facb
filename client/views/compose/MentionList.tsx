/**
 * The `@` completion list of the message field: a listbox of the room's
 * members that the field drives by keyboard (arrows move, Enter or Tab
 * complete, Escape closes), following the ARIA combobox pattern with
 * aria-activedescendant so that focus stays in the field.
 */
import type { RefObject } from "preact";
import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { choicesFor, complete, type MentionQuery, memberNames, mentionAt } from "../../model/mention-complete";
import { messages, myName, online } from "../../session/chat-store";
import "../attention.css";

const LIST_ID = "mention-list";
const optionId = (i: number) => `mention-option-${i}`;

export function useMentionCompletion(
	field: RefObject<HTMLTextAreaElement | null>,
	text: string,
	setText: (text: string) => void,
) {
	const [at, setAt] = useState<MentionQuery | null>(null);
	const [active, setActive] = useState(0);
	/** The `@` whose list the user closed with Escape: it stays closed until another `@`. */
	const [closedAt, setClosedAt] = useState<number | null>(null);
	const caret = useRef<number | null>(null);
	const here = online.value;
	const lines = messages.value;
	const me = myName.value;
	const names = useMemo(() => memberNames(here, lines, me), [here, lines, me]);
	const choices = at && closedAt !== at.start ? choicesFor(at.query, names) : [];
	const open = choices.length > 0;

	useLayoutEffect(() => {
		const el = field.current;
		if (el && caret.current !== null) {
			el.setSelectionRange(caret.current, caret.current);
			caret.current = null;
		}
	});

	/** Reads the `@word` at the caret again (after typing, a click, or moving the caret). */
	const track = () => {
		const el = field.current;
		const next = el ? mentionAt(el.value, el.selectionStart ?? el.value.length) : null;
		if (next?.query !== at?.query || next?.start !== at?.start) setActive(0);
		setAt(next);
	};

	const choose = (chosen: string) => {
		if (!at) return;
		const done = complete(text, at, chosen);
		caret.current = done.caret;
		setText(done.text);
		setAt(null);
	};

	/** Handles the list's keys; true when the key was the list's, so the field does nothing else with it. */
	const onKeyDown = (e: KeyboardEvent): boolean => {
		if (!open || e.isComposing) return false;
		const step = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0;
		if (step !== 0) setActive((active + step + choices.length) % choices.length);
		else if ((e.key === "Enter" && !e.shiftKey) || e.key === "Tab") choose(choices[active] as string);
		else if (e.key === "Escape" && at) setClosedAt(at.start);
		else return false;
		e.preventDefault();
		e.stopPropagation();
		return true;
	};

	const fieldProps = {
		"aria-autocomplete": "list" as const,
		"aria-controls": open ? LIST_ID : undefined,
		"aria-activedescendant": open ? optionId(active) : undefined,
	};

	const list = open ? (
		<div id={LIST_ID} class="mention-list" role="listbox" aria-label="Members">
			{choices.map((n, i) => (
				<div
					key={n}
					id={optionId(i)}
					role="option"
					// Reached by the field's arrows (aria-activedescendant), never by Tab.
					tabIndex={-1}
					aria-selected={i === active}
					// mousedown, not click: the field keeps its focus and its caret.
					onMouseDown={(e) => {
						e.preventDefault();
						choose(n);
					}}
				>
					@{n}
				</div>
			))}
		</div>
	) : null;

	return { track, onKeyDown, fieldProps, list };
}
