import { useState } from "preact/hooks";
import { HeaderIcon } from "../../ui/HeaderIcon";

/** Copies the room's link. Both labels take the same place, so the button keeps its width when it says "Link copied". */
export function CopyLink() {
	const [copied, setCopied] = useState(false);
	const copy = async () => {
		try {
			await navigator.clipboard.writeText(location.href);
			setCopied(true);
			setTimeout(() => setCopied(false), 2000);
		} catch {
			setCopied(false);
		}
	};
	return (
		<button type="button" class="link-button copy-link" onClick={copy}>
			<HeaderIcon name={copied ? "copied" : "link"} />
			<span class={copied ? "label off" : "label"}>Copy link</span>
			<span class={copied ? "label" : "label off"}>Link copied</span>
		</button>
	);
}
