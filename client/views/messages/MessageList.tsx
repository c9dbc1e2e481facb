import { Component, type ComponentChildren, type JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { type ChatMessage, REMOVED_TEXT } from "../../../protocol";
import { dayKey, dayLabel, shortTimeOf, timeOf } from "../../model/format";
import { mentionsMe } from "../../model/mention-complete";
import {
	around,
	earlier,
	FOLLOW,
	hold,
	later,
	type MessageWindow,
	sameWindow,
	WINDOW_ROWS,
	windowRange,
} from "../../model/message-window";
import type { PendingChange, PendingMessage } from "../../model/outbox";
import { isPresence } from "../../model/presence-lines";
import { markRead } from "../../model/read-marker";
import { firstIndexAfter, seqIndex } from "../../model/room-state";
import {
	dividerAfter,
	focusLine,
	hasMore,
	holes,
	loadingOlder,
	loadOlder,
	messages,
	myName,
} from "../../session/chat-store";
import { canChange, confirmingDelete, highlighted, jump, jumpTo, loadHole } from "../../session/message-actions";
import { canActOn, myRole } from "../../session/moderation-state";
import { changing, outbox, pending, status } from "../../session/outbound";
import { roomName } from "../../shell/app-store";
import { RoleBadge } from "../../ui/RoleBadge";
import { Avatar } from "../people/Avatar";
import { staffUi } from "../staff/staff-loader";
import { MessageButtons } from "./MessageButtons";
import { MessageText } from "./MessageText";
import { ReactionBar } from "./ReactionBar";
import { ReplyQuote } from "./ReplyQuote";
import { ModerationLine, PresenceLine, TitleLine } from "./SystemLine";
import { lastLineOnScreen, useScrollMemory } from "./scroll-memory";

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
	const target = jump.value;
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

	// A jump to a message (the original of a reply): mount the rows around it, then bring it into view and focus it.
	useLayoutEffect(() => {
		if (target === null) return;
		const i = seqIndex(list, target);
		if (i === -1) return;
		if (i < from || i >= to) {
			setAtBottom(false);
			move(around(list, i));
			return;
		}
		const row = rowOf(ref.current, target);
		row?.scrollIntoView({ block: "center" });
		row?.focus({ preventScroll: true });
		jump.value = null;
	});

	// A line a notification or a link pointed at: jumped to like a reply's original, and focused so that a screen reader reads it.
	const wanted = focusLine.value;
	useEffect(() => {
		if (wanted === null) return;
		focusLine.value = null;
		void jumpTo(wanted);
	}, [wanted]);

	// On return the view opens at the "New messages" line, not at the bottom: once per placement, when it is drawn.
	const openedAt = useRef<number | null>(null);
	const divider = dividerAfter.value;
	useLayoutEffect(() => {
		if (divider === null || openedAt.current === divider) return;
		const line = ref.current?.querySelector<HTMLElement>(".new-divider");
		if (line) {
			openedAt.current = divider;
			line.scrollIntoView({ block: "start" });
			return;
		}
		// Drawn only once the message before it is held (as renderRows says); mount the rows there if it is not mounted.
		const i = firstIndexAfter(list, divider);
		const drawn = i < list.length && (i > 0 || list[i]?.seq === divider + 1 || !hasMore.value);
		if (!drawn) return;
		const end = i + WINDOW_ROWS;
		setAtBottom(false);
		move({
			top: list[Math.max(0, i - 10)]?.seq ?? null,
			bottom: end >= list.length ? null : (list[end - 1]?.seq ?? null),
		});
	});

	// What a visible tab has had on screen counts as read.
	const noteSeen = () => {
		const el = ref.current;
		// Lines held from before the room answered may not all have been seen: they count once it has.
		const seq = el && !document.hidden && myName.value ? lastLineOnScreen(el) : undefined;
		if (seq !== undefined) markRead(roomName, seq);
	};
	useEffect(noteSeen, [list, divider]);

	// Up and Down move between messages; Tab goes on to a message's actions.
	const onKeyDown = (e: KeyboardEvent) => {
		if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
		const rows = [...(ref.current?.querySelectorAll<HTMLElement>("article[tabindex]") ?? [])];
		const at = rows.findIndex((r) => r.contains(document.activeElement));
		if (at === -1 && e.key === "ArrowDown") return;
		const row = rows[e.key === "ArrowUp" ? (at === -1 ? rows.length - 1 : at - 1) : at + 1];
		if (!row) return;
		e.preventDefault();
		row.focus();
	};

	const onScroll = () => {
		const el = ref.current;
		if (!el) return;
		noteSeen();
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
				{(hasMore.value || from > 0) && (
					<p class="history-more">{loadingOlder.value ? "Loading older messages…" : "Scroll up for older messages"}</p>
				)}
				{renderRows(list, from, to, {
					me: name,
					changing: changing.value,
					holes: holes.value,
					canChange: canChange.value,
					staff: myRole.value !== "member",
					active: [confirmingDelete.value?.seq, highlighted.value],
					divider,
					more: hasMore.value,
				})}
				{to >= list.length && waiting.map((p) => <PendingLine key={p.id} message={p} name={name ?? ""} />)}
			</div>
			{missed > 0 && !atBottom && (
				<button type="button" class="new-messages" onClick={jumpDown}>
					{missed === 1 ? "1 new message" : `${missed} new messages`} ↓
				</button>
			)}
			{status.value === "reconnecting" && (waiting.length > 0 || outbox.value.changes.length > 0) && (
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

/** What every row is drawn with, beyond its line: read here, once, so that rows read no signal themselves. */
interface RowContext {
	me: string | null;
	/** The change on its way to each message, by seq: the message shows it until the room has it. */
	changing: Map<number, PendingChange>;
	/** Seqs above which older messages may be missing (after a jump far back). */
	holes: number[];
	canChange: boolean;
	/** An owner or a moderator: Delete is offered on everyone's messages. */
	staff: boolean;
	/** Seqs of the rows shown with their actions: the one whose delete is asked, the one jumped to. */
	active: (number | null | undefined)[];
	/** The seq the "New messages" line follows, if one is drawn. */
	divider: number | null;
	/** Older messages can be loaded. */
	more: boolean;
}

/**
 * The rows of lines [from, to): a day separator where the day changes, grouped messages, the room's
 * own lines; consecutive join and leave lines of a day as one line (quiet presence); the "New
 * messages" line after `ctx.divider`. Rows are messages only: a change (edit, delete, reaction) has a
 * seq of its own but no row, so the divider goes before the first message after it.
 */
function renderRows(list: readonly ChatMessage[], from: number, to: number, ctx: RowContext) {
	const out = [];
	const now = Date.now();
	let run: ChatMessage[] = [];
	const endRun = () => {
		if (run[0]) out.push(<PresenceLine key={`p-${run[0].seq}`} lines={run} />);
		run = [];
	};
	for (let i = from; i < to; i++) {
		const m = list[i] as ChatMessage;
		const prev = i > from ? list[i - 1] : undefined;
		const held = i > 0 ? list[i - 1] : undefined;
		// Right before the first message after where the reader stopped; drawn once the message before it is held.
		const { divider } = ctx;
		if (divider !== null && m.seq > divider && (held ? held.seq <= divider : m.seq === divider + 1 || !ctx.more)) {
			endRun();
			out.push(
				<p key="new-divider" class="new-divider">
					<span>New messages</span>
				</p>,
			);
		}
		if (i > 0 && ctx.holes.includes(m.seq)) {
			out.push(
				<button key={`hole-${m.seq}`} type="button" class="hole" onClick={() => void loadHole(m.seq)}>
					Load the messages in between
				</button>,
			);
		}
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
			const mention = mentionsMe(m, ctx.me);
			// A mention always shows its header, where its mark is.
			const grouped = !mention && sameDay && prev?.kind === "chat" && prev.name === m.name && m.at - prev.at < GROUP_MS;
			out.push(
				<MessageLine
					key={m.seq}
					message={m}
					change={ctx.changing.get(m.seq)}
					me={ctx.me}
					grouped={grouped}
					mention={mention}
					canChange={ctx.canChange}
					staff={ctx.staff}
					active={ctx.active.includes(m.seq)}
				/>,
			);
		}
	}
	endRun();
	return out;
}

interface LineProps {
	message: ChatMessage;
	/** A change this device made to it that the room has not yet stored: shown, marked as on its way. */
	change: PendingChange | undefined;
	me: string | null;
	grouped: boolean;
	/** The line mentions this user (as it is now: an edit may add or take away a mention): set apart, with a mark, and an accessible name that says so. */
	mention: boolean;
	/** The room knows changes: the actions are offered. */
	canChange: boolean;
	/** An owner or a moderator: Delete is offered on everyone's messages. */
	staff: boolean;
	/** Shown with its actions (asked to delete, or jumped to). */
	active: boolean;
}

/** How long a touch must hold a message to show its actions. */
const LONG_PRESS_MS = 500;
let pressTimer: ReturnType<typeof setTimeout> | undefined;
const release = () => clearTimeout(pressTimer);

/**
 * A confirmed message. Renders again only when it changes: a new line, an edit or a reaction
 * elsewhere leaves the others alone (a change gives its message a new object, the others keep theirs).
 */
class MessageLine extends Component<LineProps, { pressed: boolean }> {
	override state = { pressed: false };

	override shouldComponentUpdate(next: LineProps, state: { pressed: boolean }): boolean {
		const p = this.props;
		return (
			next.message !== p.message ||
			next.change !== p.change ||
			next.me !== p.me ||
			next.grouped !== p.grouped ||
			next.mention !== p.mention ||
			next.canChange !== p.canChange ||
			next.staff !== p.staff ||
			next.active !== p.active ||
			state.pressed !== this.state.pressed
		);
	}

	override render({ message, change, me, grouped, mention, canChange, staff, active }: LineProps) {
		const own = message.name === me;
		const shown = active || this.state.pressed;
		const when = new Date(message.at).toISOString();
		const edit = change?.frame.type === "edit" ? change.frame : undefined;
		return (
			<Bubble
				class={`msg${own ? " own" : ""}${grouped ? " grouped" : ""}${mention ? " mention" : ""}${shown ? " active" : ""}${change ? " changing" : ""}`}
				data-seq={message.seq}
				aria-busy={change ? "true" : undefined}
				aria-label={mention ? `${message.name} mentioned you` : undefined}
				tabIndex={-1}
				onPointerDown={(e) => {
					if (e.pointerType !== "touch") return;
					release();
					pressTimer = setTimeout(() => this.setState({ pressed: true }), LONG_PRESS_MS);
				}}
				onPointerUp={release}
				onPointerCancel={release}
				onPointerMove={release}
				onFocusOut={(e) => {
					if (!e.currentTarget.contains(e.relatedTarget as Node | null)) this.setState({ pressed: false });
				}}
				name={message.name}
				text={message.deleted ? "" : (edit?.text ?? message.text)}
				grouped={grouped}
				aside={
					<>
						<RoleBadge role={message.role} />
						<time dateTime={when}>{timeOf(message.at)}</time>
						{mention && (
							<span class="mention-mark" title="Mentions you" aria-hidden="true">
								@
							</span>
						)}
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
				quote={message.replyTo && <ReplyQuote quote={message.replyTo} />}
			>
				{message.deleted ? (
					<p class="text deleted">{message.deleted === "moderator" ? REMOVED_TEXT : "This message was deleted"}</p>
				) : (
					<>
						{(message.edited || edit) && <span class="edited">(edited)</span>}
						{change && <span class="state">{onItsWay(change)}</span>}
						<ReactionBar message={message} me={me} />
						{canChange && <MessageButtons message={message} own={own} staff={staff} />}
					</>
				)}
			</Bubble>
		);
	}
}

/** What a change on its way says on its message. */
function onItsWay({ frame }: PendingChange): string {
	if (frame.type === "edit") return "Saving…";
	if (frame.type === "delete") return "Deleting…";
	return frame.type === "react" ? `Sending ${frame.emoji}…` : "Sending…";
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
	/** What comes before the text: the message a reply answers. */
	quote?: ComponentChildren;
	/** What follows the text: an edited mark, reactions, actions. */
	children?: ComponentChildren;
} & Omit<JSX.IntrinsicElements["article"], "children">;

/**
 * One message: avatar, sender and time (or state), the quote it answers, text. A grouped one shows
 * its text, and its time on hover.
 */
function Bubble({ name, text, grouped, aside, gutter, quote, children, ...article }: BubbleProps) {
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
				{quote}
				{text !== "" && <MessageText text={text} />}
				{children}
			</div>
		</article>
	);
}
