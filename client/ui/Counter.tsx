/** How much of a length limit is used: shown only near the limit, and in the danger colour beyond it. */
export function Counter({ id, length, max }: { id: string; length: number; max: number }) {
	if (length < max * 0.8) return null;
	return (
		<span id={id} class={length > max ? "counter over" : "counter"}>
			{length}/{max}
		</span>
	);
}
