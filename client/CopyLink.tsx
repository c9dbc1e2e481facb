import { useState } from "preact/hooks";

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
			<span class={copied ? "off" : undefined}>Copy link</span>
			<span class={copied ? undefined : "off"}>Link copied</span>
		</button>
	);
}
