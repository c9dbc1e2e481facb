import type { ComponentChildren, JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ChatMessage } from "../protocol";
import { Avatar } from "./Avatar";
import { loadingOlder, loadOlder, room, status } from "./chat-store";
import { dayOf, linkParts, timeOf } from "./format";
import { MessageActions } from "./MessageActions";
import { canChange, confirmingDelete, highlighted, isOwn, loadHole } from "./message-actions";
import { ReactionBar } from "./ReactionBar";
import { ReplyQuote } from "./ReplyQuote";
import type { PendingMessage } from "./room-state";

/** Within this distance of the bottom, the view follows new messages. */
const AT_BOTTOM_PX = 48;
/** Messages of one sender closer than this are grouped under one name. */
const GROUP_MS = 5 * 60_000;

export function MessageList() {
	const ref = useRef<HTMLDivElement>(null);
	const [atBottom, setAtBottom] = useState(true);
	const [missed, setMissed] = useState(0);
	const { messages, pending, name, holes } = room.value;
	const prev = useRef({ first: 0, last: 0, height: 0, pending: 0 });

	// Keeps the view still when older messages are put above, and follows new ones at the bottom.
	useLayoutEffect(() => {
		const el = ref.current;
		if (!el) return;
		const first = messages[0]?.seq ?? 0;
		const last = messages.at(-1)?.seq ?? 0;
		const p = prev.current;
		if (p.first !== 0 && first < p.first && last === p.last) {
			el.scrollTop += el.scrollHeight - p.height;
		} else if (last > p.last || pending.length > p.pending) {
			const ownLatest = pending.length > 0 || messages.at(-1)?.name === name;
			const added = messages.length - messages.findLastIndex((m) => m.seq <= p.last) - 1;
			if (atBottom || ownLatest) el.scrollTop = el.scrollHeight;
			else setMissed((m) => m + added);
		} else if (atBottom) {
			// A message changed (an edit, a reaction): at the bottom, stay there.
			el.scrollTop = el.scrollHeight;
		}
		prev.current = { first, last, height: el.scrollHeight, pending: pending.length };
	}, [messages, pending]);

	// Up and Down move between messages; Tab goes on to a message's actions.
	const onKeyDown = (e: KeyboardEvent) => {
		if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
		const rows = [...(ref.current?.querySelectorAll<HTMLElement>("article[tabindex]") ?? [])];
		const at = rows.findIndex((r) => r.contains(document.activeElement));
		const next = e.key === "ArrowUp" ? (at === -1 ? rows.length - 1 : at - 1) : at + 1;
		if (at === -1 && e.key === "ArrowDown") return;
		const row = rows[next];
		if (!row) return;
		e.preventDefault();
		row.focus();
	};

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
			<div
				ref={ref}
				class="history"
				role="log"
				aria-label="Chat history"
				// biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard to scroll it
				tabIndex={0}
				onScroll={onScroll}
				onKeyDown={onKeyDown}
			>
				{room.value.hasMore && (
					<p class="history-more">{loadingOlder.value ? "Loading older messages…" : "Scroll up for older messages"}</p>
				)}
				{renderMessages(messages, name, holes)}
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

function renderMessages(messages: ChatMessage[], me: string | null, holes: number[]) {
	const out = [];
	let prev: ChatMessage | undefined;
	for (const m of messages) {
		if (prev && holes.includes(m.seq)) {
			out.push(
				<button key={`hole-${m.seq}`} type="button" class="hole" onClick={() => void loadHole(m.seq)}>
					Load the messages in between
				</button>,
			);
		}
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

/** How long a touch must hold a message to show its actions. */
const LONG_PRESS_MS = 500;
let pressTimer: ReturnType<typeof setTimeout> | undefined;

function MessageLine({ message, own, grouped }: { message: ChatMessage; own: boolean; grouped: boolean }) {
	const [pressed, setPressed] = useState(false);
	const active = pressed || confirmingDelete.value === message || highlighted.value === message.seq;
	const release = () => clearTimeout(pressTimer);
	return (
		<Bubble
			class={`msg${own ? " own" : ""}${grouped ? " grouped" : ""}${active ? " active" : ""}`}
			data-seq={message.seq}
			tabIndex={-1}
			onPointerDown={(e) => {
				if (e.pointerType !== "touch") return;
				release();
				pressTimer = setTimeout(() => setPressed(true), LONG_PRESS_MS);
			}}
			onPointerUp={release}
			onPointerCancel={release}
			onPointerMove={release}
			onBlur={(e) => {
				if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setPressed(false);
			}}
			name={message.name}
			text={message.deleted ? "" : message.text}
			grouped={grouped}
			aside={<time dateTime={new Date(message.at).toISOString()}>{timeOf(message.at)}</time>}
			quote={message.replyTo && <ReplyQuote quote={message.replyTo} />}
		>
			{message.deleted ? (
				<p class="text deleted">This message was deleted</p>
			) : (
				<>
					{message.edited && <span class="edited">(edited)</span>}
					<ReactionBar message={message} />
					{canChange.value && <MessageActions message={message} own={isOwn(message)} />}
				</>
			)}
		</Bubble>
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
	/** What comes before the text: the message a reply answers. */
	quote?: ComponentChildren;
	/** What follows the text: an edited mark, reactions, actions. */
	children?: ComponentChildren;
} & Omit<JSX.IntrinsicElements["article"], "children">;

/** One message: avatar, sender and time (or state), the quote it answers, text. A grouped one shows no header. */
function Bubble({ name, text, grouped, aside, quote, children, ...article }: BubbleProps) {
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
				{quote}
				{text !== "" && (
					<p class="text" dir="auto">
						<MessageText text={text} />
					</p>
				)}
				{children}
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
