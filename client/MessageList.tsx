import { Component, type ComponentChildren, type JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { type ChatMessage, REMOVED_TEXT } from "../protocol";
import { Avatar } from "./Avatar";
import { hasMore, loadingOlder, loadOlder, messages, myName, pending, status } from "./chat-store";
import { dayKey, dayLabel, shortTimeOf, timeOf } from "./format";
import { MessageText } from "./MessageText";
import { earlier, FOLLOW, hold, later, type MessageWindow, sameWindow, windowRange } from "./message-window";
import { isPresence } from "./presence-lines";
import { RoleBadge } from "./RoleBadge";
import { canActOn, myRole } from "./roles";
import { firstIndexAfter, type PendingMessage } from "./room-state";
import { ModerationLine, PresenceLine, TitleLine } from "./SystemLine";
import { useScrollMemory } from "./scroll-memory";
import { staffUi } from "./staff-ui";

/** Within this distance of the bottom, the view follows new messages. */
const AT_BOTTOM_PX = 48;
/** Within this distance of either end of the mounted rows, more are mounted (or loaded) on that side. */
const NEAR_END_PX = 80;
/** Messages of one sender closer than this are grouped under one name. */
const GROUP_MS = 5 * 60_000;

/** What the last render showed, and what the layout effect compares the next one with. */
interface Shown {
	range: [number, number];
	/** Seqs of the first and last mounted lines (0 when none). */
	top: number;
	bottom: number;
	/** Seqs of the first and last lines held, and how many lines and pending sends. */
	first: number;
	last: number;
	count: number;
	pending: number;
}

/**
 * A row that stays in the view while the rows around it change, and where it was in the
 * viewport before: after the change the view is scrolled so that it is there again.
 */
interface Anchor {
	seq: number;
	top: number;
}

export function MessageList() {
	const ref = useRef<HTMLDivElement>(null);
	const [atBottom, setAtBottom] = useState(true);
	const [missed, setMissed] = useState(0);
	const [win, setWin] = useState<MessageWindow>(FOLLOW);
	const list = messages.value;
	const waiting = pending.value;
	const name = myName.value;
	const following = atBottom && win.bottom === null;
	const range = windowRange(list, following ? FOLLOW : win);
	const [from, to] = range;
	const top = list[from]?.seq ?? 0;
	const bottom = list[to - 1]?.seq ?? 0;
	const shown = useRef<Shown>({ range, top: 0, bottom: 0, first: 0, last: 0, count: 0, pending: 0 });
	const anchor = useRef<Anchor | null>(null);
	const pin = useRef(false);

	// Rows come or go above the view while the reader is not at the bottom: note where a row
	// that stays is now, before the DOM changes, to put it back there after. Not the first row
	// both runs share, which gains or loses its day separator and its sender as it becomes or
	// stops being the first mounted: the one after it.
	const before = shown.current;
	if (!following && before.top !== 0 && top !== before.top && anchor.current === null) {
		const seq = list[firstIndexAfter(list, Math.max(top, before.top))]?.seq;
		const row = seq !== undefined && seq <= Math.min(bottom, before.bottom) ? rowOf(ref.current, seq) : null;
		if (seq !== undefined && row) anchor.current = { seq, top: row.getBoundingClientRect().top };
	}

	const move = (next: MessageWindow) => {
		if (!sameWindow(next, win)) setWin(next);
	};

	// Keeps the view still when rows are put above or taken away, and follows new messages at the bottom.
	useLayoutEffect(() => {
		const el = ref.current;
		if (!el) return;
		const p = shown.current;
		const first = list[0]?.seq ?? 0;
		const last = list.at(-1)?.seq ?? 0;
		const added = last > p.last ? list.length - firstIndexAfter(list, p.last) : 0;
		const sent = Math.max(0, waiting.length - p.pending);
		const a = anchor.current;
		anchor.current = null;
		if (a) {
			const row = rowOf(el, a.seq);
			if (row) el.scrollTop += row.getBoundingClientRect().top - a.top;
		}
		const ownLatest = waiting.length > 0 || list.at(-1)?.name === name;
		// Following, rows taken off the top change nothing on screen: the view stays at the bottom.
		const grew = added > 0 || sent > 0;
		if (pin.current || (following && (grew || top !== p.top)) || (grew && ownLatest)) {
			pin.current = false;
			el.scrollTop = el.scrollHeight;
			if (!following) {
				// Sent while reading older lines: back to the newest, where it shows.
				setAtBottom(true);
				setMissed(0);
				setWin(FOLLOW);
			}
		} else if (added > 0 && !following) {
			// Messages, not join and leave lines: those are not what the reader missed.
			setMissed((m) => m + chatAfter(list, p.last));
		}
		shown.current = { range, top, bottom, first, last, count: list.length, pending: waiting.length };
	});
	useScrollMemory(ref, list, AT_BOTTOM_PX);

	// A log that gets shorter (a phone's keyboard opens, the phone turns) keeps its newest line in view.
	const followingNow = useRef(following);
	followingNow.current = following;
	useEffect(() => {
		const el = ref.current;
		if (!el) return;
		const keep = new ResizeObserver(() => {
			if (followingNow.current) el.scrollTop = el.scrollHeight;
		});
		keep.observe(el);
		return () => keep.disconnect();
	}, []);

	const onScroll = () => {
		const el = ref.current;
		if (!el) return;
		const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
		const { range: now } = shown.current;
		const newestShown = now[1] >= list.length;
		const bottomNow = fromBottom <= AT_BOTTOM_PX && newestShown;
		if (bottomNow !== atBottom) {
			setAtBottom(bottomNow);
			// Leaving the bottom: the rows shown stay as they are while new lines come below.
			move(bottomNow ? FOLLOW : hold(list, now));
		}
		if (bottomNow) setMissed(0);
		if (fromBottom <= NEAR_END_PX && !newestShown) {
			const next = later(list, now);
			if (next) move(next);
		} else if (el.scrollTop < NEAR_END_PX) {
			const next = earlier(list, now);
			if (next) move(next);
			else if (hasMore.value) {
				const { top: seq } = shown.current;
				const rows = now[1] - now[0];
				void loadOlder().then(() => {
					// The page went in front of the rows shown: mount it if the reader is still up there.
					const held = messages.value;
					const at = firstIndexAfter(held, seq - 1);
					const again = earlier(held, [at, at + rows]);
					if (again && ref.current && ref.current.scrollTop < NEAR_END_PX) setWin(again);
				});
			}
		}
	};

	const jumpDown = () => {
		pin.current = true;
		// The button goes away: focus goes to the log it scrolled, not to the page.
		ref.current?.focus({ preventScroll: true });
		setWin(FOLLOW);
		setMissed(0);
		setAtBottom(true);
	};

	return (
		<div class="history-wrap">
			{/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard to scroll it */}
			<div ref={ref} class="history" role="log" aria-label="Chat history" tabIndex={0} onScroll={onScroll}>
				{(hasMore.value || from > 0) && (
					<p class="history-more">{loadingOlder.value ? "Loading older messages…" : "Scroll up for older messages"}</p>
				)}
				{renderRows(list, from, to, name)}
				{to >= list.length && waiting.map((p) => <PendingLine key={p.id} message={p} name={name ?? ""} />)}
			</div>
			{missed > 0 && !atBottom && (
				<button type="button" class="new-messages" onClick={jumpDown}>
					{missed === 1 ? "1 new message" : `${missed} new messages`} ↓
				</button>
			)}
			{status.value === "reconnecting" && waiting.length > 0 && (
				<p class="pending-note">Messages will be sent when you are back online.</p>
			)}
		</div>
	);
}

/** The row that shows a line: its own, or the folded presence line it is part of (data-from…data-seq). */
function rowOf(history: HTMLElement | null, seq: number): HTMLElement | null {
	const own = history?.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
	if (own || !history) return own ?? null;
	for (const row of history.querySelectorAll<HTMLElement>("[data-from]")) {
		if (Number(row.dataset.from) <= seq && seq <= Number(row.dataset.seq)) return row;
	}
	return null;
}

/** How many chat messages (not join or leave lines) come after `seq`. */
function chatAfter(list: readonly ChatMessage[], seq: number): number {
	let n = 0;
	for (let i = firstIndexAfter(list, seq); i < list.length; i++) if (list[i]?.kind === "chat") n++;
	return n;
}

/** Each line's day, worked out once: lines are immutable, so the line itself is the key. */
const days = new WeakMap<ChatMessage, number>();
function dayOf(m: ChatMessage): number {
	let day = days.get(m);
	if (day === undefined) {
		day = dayKey(m.at);
		days.set(m, day);
	}
	return day;
}

/**
 * The rows of lines [from, to): a day separator where the day changes, grouped messages, the room's
 * own lines; consecutive join and leave lines of a day as one line (quiet presence).
 */
function renderRows(list: readonly ChatMessage[], from: number, to: number, me: string | null) {
	const out = [];
	const now = Date.now();
	let run: ChatMessage[] = [];
	const endRun = () => {
		if (run[0]) out.push(<PresenceLine key={`p-${run[0].seq}`} lines={run} />);
		run = [];
	};
	for (let i = from; i < to; i++) {
		const m = list[i] as ChatMessage;
		// A deletion shows on the message it deleted, not as a line of its own.
		if (m.kind === "delete") continue;
		const prev = i > from ? list[i - 1] : undefined;
		const day = dayOf(m);
		const sameDay = prev !== undefined && dayOf(prev) === day;
		if (!sameDay || !isPresence(m)) endRun();
		if (!sameDay) {
			out.push(
				<p key={`day-${m.seq}`} class="day">
					{dayLabel(m.at, now)}
				</p>,
			);
		}
		if (isPresence(m)) run.push(m);
		else if (m.kind === "title") out.push(<TitleLine key={m.seq} line={m} />);
		else if (m.kind === "removed" || m.kind === "cleared") out.push(<ModerationLine key={m.seq} line={m} />);
		else if (m.kind === "chat") {
			const grouped = sameDay && prev?.kind === "chat" && prev.name === m.name && m.at - prev.at < GROUP_MS;
			out.push(<MessageLine key={m.seq} message={m} own={m.name === me} grouped={grouped} />);
		}
	}
	endRun();
	return out;
}

interface LineProps {
	message: ChatMessage;
	own: boolean;
	grouped: boolean;
}

/** A confirmed message. Renders again only when it changes: a new line elsewhere leaves the others alone. */
class MessageLine extends Component<LineProps> {
	override shouldComponentUpdate(next: LineProps): boolean {
		const p = this.props;
		return next.message !== p.message || next.own !== p.own || next.grouped !== p.grouped;
	}

	override render({ message, own, grouped }: LineProps) {
		const when = new Date(message.at).toISOString();
		return (
			<Bubble
				class={`msg${own ? " own" : ""}${grouped ? " grouped" : ""}${message.removed ? " removed-line" : ""}`}
				data-seq={message.seq}
				name={message.name}
				text={message.removed ? REMOVED_TEXT : message.text}
				grouped={grouped}
				tools={!message.removed && <DeleteTool message={message} />}
				aside={
					<>
						<RoleBadge role={message.role} />
						<time dateTime={when}>{timeOf(message.at)}</time>
						{!own && <LineTools message={message} />}
					</>
				}
				gutter={
					grouped && (
						<time dateTime={when} title={timeOf(message.at)}>
							{shortTimeOf(message.at)}
						</time>
					)
				}
			/>
		);
	}
}

/**
 * The member menu on someone else's line, for owners and moderators: a
 * component of its own, so that a role arriving updates it while the line
 * itself stays as it was.
 */
function LineTools({ message }: { message: ChatMessage }) {
	const tools = staffUi.value;
	if (!tools || !canActOn(message.role)) return null;
	return <tools.ModerationMenu name={message.name} target={{ seq: message.seq }} />;
}

/** Delete, on every message, for owners and moderators (grouped lines too: it does not sit in the header). */
function DeleteTool({ message }: { message: ChatMessage }) {
	const tools = staffUi.value;
	if (!tools || myRole.value === "member") return null;
	return <tools.DeleteMessage name={message.name} seq={message.seq} />;
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
	/** Beside a grouped message, where the avatar would be: its time, shown on hover. */
	gutter?: ComponentChildren;
	/** Controls on the whole line, shown grouped or not. */
	tools?: ComponentChildren;
} & JSX.IntrinsicElements["article"];

/** One message: avatar, sender and time (or state), text. A grouped one shows its text, and its time on hover. */
function Bubble({ name, text, grouped, aside, gutter, tools, ...article }: BubbleProps) {
	return (
		<article {...article}>
			{grouped ? <span class="avatar-space">{gutter}</span> : <Avatar name={name} />}
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
				<MessageText text={text} />
			</div>
			{tools}
		</article>
	);
}
