import type { Ref } from "preact";
import { normalizeName } from "../../protocol/text";
import { Counter } from "./Counter";

interface LineFieldProps {
	/** The input's id; the counter, note and problem take ids made from it. */
	id: string;
	label: string;
	value: string;
	/** The limit the counter shows, counted as the room counts (normalized). */
	max: number;
	autocomplete: string;
	onInput: (value: string) => void;
	/** What is wrong with the value, said as an alert under the field. */
	problem: string | null;
	/** A line under the field, read with it. */
	note?: string;
	inputRef?: Ref<HTMLInputElement>;
}

/** One line a person chooses and others read (a name, a room's title): label, counter near the limit, note, problem. */
export function LineField({ id, label, value, max, autocomplete, onInput, problem, note, inputRef }: LineFieldProps) {
	const described = [note && `${id}-note`, `${id}-count`, `${id}-problem`].filter(Boolean).join(" ");
	return (
		<>
			<div class="field-label">
				<label for={id}>{label}</label>
				<Counter id={`${id}-count`} length={normalizeName(value).length} max={max} />
			</div>
			<input
				ref={inputRef}
				id={id}
				name={id}
				autocomplete={autocomplete}
				value={value}
				onInput={(e) => onInput(e.currentTarget.value)}
				aria-invalid={problem ? "true" : "false"}
				aria-describedby={described}
			/>
			{note && (
				<p id={`${id}-note`} class="field-note">
					{note}
				</p>
			)}
			<p id={`${id}-problem`} class="form-error" role="alert">
				{problem}
			</p>
		</>
	);
}
