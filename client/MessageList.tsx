import type { ComponentChildren, JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ChatMessage } from "../protocol";
import { Avatar } from "./Avatar";
import { loadingOlder, loadOlder, room, status } from "./chat-store";
import { dayOf, linkParts, timeOf } from "./format";
import { RoleBadge } from "./RoleBadge";
import { canActOn } from "./roles";
import type { PendingMessage } from "./room-state";
import { staffUi } from "./staff-ui";

/** Within this distance of the bottom, the view follows new messages. */
const AT_BOTTOM_PX = 48;
/** Messages of one sender closer than this are grouped under one name. */
const GROUP_MS = 5 * 60_000;

export function MessageList() {
	const ref = useRef<HTMLDivElement>(null);
	const [atBottom, setAtBottom] = useState(true);
	const [missed, setMissed] = useState(0);
	const { messages, pending, name } = room.value;
	const prev = useRef({ first: 0, last: 0, height: 0, count: 0 });

	// Keeps the view still when older messages are put above, and follows new ones at the bottom.
	useLayoutEffect(() => {
		const el = ref.current;
		if (!el) return;
		const first = messages[0]?.seq ?? 0;
		const last = messages.at(-1)?.seq ?? 0;
		const count = messages.length + pending.length;
		const p = prev.current;
		if (p.first !== 0 && first < p.first && last === p.last) {
			el.scrollTop += el.scrollHeight - p.height;
		} else if (count > p.count) {
			const ownLatest = pending.length > 0 || messages.at(-1)?.name === name;
			if (atBottom || ownLatest) el.scrollTop = el.scrollHeight;
			else setMissed((m) => m + (count - p.count));
		}
		prev.current = { first, last, height: el.scrollHeight, count };
	}, [messages, pending]);

	const onScroll = () => {
		const el = ref.current;
		if (!el) return;
		const bottom = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_BOTTOM_PX;
		setAtBottom(bottom);
		if (bottom) setMissed(0);
		if (el.scrollTop < 80) void loadOlder();
	};

	const jumpDown = () => {
		const el = ref.current;
		if (el) el.scrollTop = el.scrollHeight;
		setMissed(0);
		setAtBottom(true);
	};

	return (
		<div class="history-wrap">
			{/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard to scroll it */}
			<div ref={ref} class="history" role="log" aria-label="Chat history" tabIndex={0} onScroll={onScroll}>
				{room.value.hasMore && (
					<p class="history-more">{loadingOlder.value ? "Loading older messages…" : "Scroll up for older messages"}</p>
				)}
				{renderMessages(messages, name)}
				{pending.map((p) => (
					<PendingLine key={p.id} message={p} name={name ?? ""} />
				))}
			</div>
			{missed > 0 && !atBottom && (
				<button type="button" class="new-messages" onClick={jumpDown}>
					{missed === 1 ? "1 new message" : `${missed} new messages`} ↓
				</button>
			)}
			{status.value === "reconnecting" && pending.length > 0 && (
				<p class="pending-note">Messages will be sent when you are back online.</p>
			)}
		</div>
	);
}

function renderMessages(messages: ChatMessage[], me: string | null) {
	const out = [];
	let prev: ChatMessage | undefined;
	for (const m of messages) {
		const day = dayOf(m.at);
		if (!prev || dayOf(prev.at) !== day) {
			out.push(
				<p key={`day-${m.seq}`} class="day">
					{day}
				</p>,
			);
		}
		if (m.kind !== "chat") {
			out.push(
				// A name element, then the room's own words: no name can read as a sentence of the room.
				<p key={m.seq} class={`system system-${m.kind}`} data-seq={m.seq}>
					<span class="system-name">{m.name}</span>{" "}
					<span class="system-words">{m.kind === "join" ? "joined the chat" : "left the chat"}</span>
				</p>,
			);
		} else {
			const grouped =
				prev?.kind === "chat" && prev.name === m.name && m.at - prev.at < GROUP_MS && dayOf(prev.at) === day;
			out.push(<MessageLine key={m.seq} message={m} own={m.name === me} grouped={grouped} />);
		}
		prev = m;
	}
	return out;
}

function MessageLine({ message, own, grouped }: { message: ChatMessage; own: boolean; grouped: boolean }) {
	return (
		<Bubble
			class={`msg${own ? " own" : ""}${grouped ? " grouped" : ""}`}
			data-seq={message.seq}
			name={message.name}
			text={message.text}
			grouped={grouped}
			aside={
				<>
					<RoleBadge role={message.role} />
					<time dateTime={new Date(message.at).toISOString()}>{timeOf(message.at)}</time>
					{!own && canActOn(message.role) && staffUi.value && (
						<staffUi.value.ModerationMenu name={message.name} target={{ seq: message.seq }} />
					)}
				</>
			}
		/>
	);
}

function PendingLine({ message, name }: { message: PendingMessage; name: string }) {
	return (
		<Bubble
			class="msg own pending"
			aria-busy={message.error ? undefined : "true"}
			name={name}
			text={message.text}
			grouped={false}
			aside={<span class="state">{message.error ? `Not sent: ${message.error}` : "Sending…"}</span>}
		/>
	);
}

type BubbleProps = {
	name: string;
	text: string;
	grouped: boolean;
	aside: ComponentChildren;
} & JSX.IntrinsicElements["article"];

/** One message: avatar, sender and time (or state), text. A grouped one shows only its text. */
function Bubble({ name, text, grouped, aside, ...article }: BubbleProps) {
	return (
		<article {...article}>
			{grouped ? <span class="avatar-space" /> : <Avatar name={name} />}
			<div class="bubble">
				{grouped ? (
					// Said to screen readers, not shown: who wrote each line of a group.
					<span class="visually-hidden">{name}</span>
				) : (
					<header>
						<span class="sender">{name}</span>
						{aside}
					</header>
				)}
				<p class="text" dir="auto">
					<MessageText text={text} />
				</p>
			</div>
		</article>
	);
}

/** Text and links as nodes: the message is never parsed as HTML. */
function MessageText({ text }: { text: string }) {
	return (
		<>
			{linkParts(text).map((part, i) =>
				part.kind === "link" ? (
					<a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
						{part.text}
					</a>
				) : (
					part.text
				),
			)}
		</>
	);
}
