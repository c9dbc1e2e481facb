import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { linkParts } from "../../model/format";

/** A text this long, or with this many lines, may fill the screen: it starts folded. */
const LONG_CHARS = 300;
const LONG_LINES = 6;

/** A message's text, with links as nodes (never parsed as HTML); a long one folds behind "Show more". */
export function MessageText({ text }: { text: string }) {
	const ref = useRef<HTMLParagraphElement>(null);
	const long = text.length > LONG_CHARS || text.split("\n").length > LONG_LINES;
	const [open, setOpen] = useState(false);
	// Folded by CSS to a few lines; the button shows only if that hides anything.
	const [cut, setCut] = useState(false);
	useLayoutEffect(() => {
		const el = ref.current;
		if (long && !open && el) setCut(el.scrollHeight > el.clientHeight + 1);
	}, [long, open, text]);

	return (
		<>
			<p ref={ref} class={long && !open ? "text folded" : "text"} dir="auto">
				{linkParts(text).map((part, i) =>
					part.kind === "link" ? (
						<a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
							{part.text}
						</a>
					) : (
						part.text
					),
				)}
			</p>
			{long && (open || cut) && (
				<button type="button" class="show-more" aria-expanded={open} onClick={() => setOpen(!open)}>
					{open ? "Show less" : "Show more"}
				</button>
			)}
		</>
	);
}
