import type { Quote } from "../../../protocol";
import { jumpTo } from "../../session/message-actions";

/** What a reply answers: its sender and the start of its text; a click goes to it. */
export function ReplyQuote({ quote }: { quote: Quote }) {
	if (quote.name === undefined) return <p class="quote unavailable">Original message unavailable</p>;
	return (
		<button type="button" class="quote" onClick={() => void jumpTo(quote.seq)}>
			<span class="visually-hidden">In reply to </span>
			<span class="sender">{quote.name}</span> <span class="quote-text">{quote.text}</span>
		</button>
	);
}
