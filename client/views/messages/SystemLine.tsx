import type { ChatMessage } from "../../../protocol";
import { foldPresence, nameList } from "../../model/presence-lines";

/**
 * The room's own lines. Names are set apart from the room's words (a name
 * element, then fixed text), so that no name can read as a sentence of the
 * room; the server's text for these lines is not shown.
 */

/** A run of consecutive join and leave lines, as one line: "Ana, Bruno and 3 others joined". */
export function PresenceLine({ lines }: { lines: ChatMessage[] }) {
	const { joined, left } = foldPresence(lines);
	return (
		<p class="system" data-from={lines[0]?.seq} data-seq={lines.at(-1)?.seq}>
			{joined.length > 0 && (
				<>
					<Names names={joined} /> joined
				</>
			)}
			{joined.length > 0 && left.length > 0 && " · "}
			{left.length > 0 && (
				<>
					<Names names={left} /> left
				</>
			)}
		</p>
	);
}

/** A moderator's line for the room: "Ana was removed by a moderator", or the history was cleared. */
export function ModerationLine({ line }: { line: ChatMessage }) {
	return (
		<p class={`system system-${line.kind}`} data-seq={line.seq}>
			{line.kind === "removed" ? (
				<>
					<bdi class="who">{line.name}</bdi> was removed by a moderator
				</>
			) : (
				"The history was cleared by a moderator"
			)}
		</p>
	);
}

/** "Ana named the room “Weekend hike”". */
export function TitleLine({ line }: { line: ChatMessage }) {
	return (
		<p class="system" data-seq={line.seq}>
			<bdi class="who">{line.name}</bdi> named the room <q class="who">{line.text}</q>
		</p>
	);
}

function Names({ names }: { names: string[] }) {
	return (
		<>
			{nameList(names).map((part, i) =>
				typeof part === "string" ? (
					part
				) : (
					<bdi key={i} class="who">
						{part.name}
					</bdi>
				),
			)}
		</>
	);
}
