/**
 * The room's Web Push rules: which devices hear of a line, when, and how
 * often. A device subscribed at level `all` hears of every chat line, at
 * `mentions` of lines that mention it; never of its own, and never while it
 * has a socket open in the room (the page tells the user itself). Only a
 * new message is pushed: an edit (even one that adds a mention) or a
 * reaction is not, and a message deleted before its push is taken out of
 * it. A banned device hears of nothing (its subscription stays, for when the
 * ban ends). Sends are bounded: a room has a budget (a token bucket), a
 * device gets at most one push per room per interval, and the lines between
 * are coalesced into one push when the interval ends (the room's alarm).
 * Sends go out in the background: the message path never waits for a push
 * service.
 */
import { type ChatMessage, type ClientMessage, nameKey, type PushPayload } from "../../protocol";
import type { PushConfig } from "../config";
import { type Bucket, fullBucket, take } from "../limits/token-bucket";
import type { Joined } from "../room/connections";
import { type PushSubscriptionRow, PushSubscriptionStore } from "../store/push-subscriptions";
import { sendPush, type VapidKeys } from "./sender";

/** Characters of a message's text a push shows, when the user chose to show text. */
const PREVIEW_CHARS = 140;

export type SubscribeVerdict = { ok: true } | { ok: false; reason: string };

/** What a room's Notifier works with: its storage, the server's push settings, and the two things it asks of the room. */
export interface NotifierOptions {
	sql: SqlStorage;
	config: PushConfig;
	/** The server's VAPID keys; without them nothing is pushed. */
	vapid: VapidKeys | null;
	/** The room's name, as a push shows it. */
	room: string;
	/** Where sends run: after the event, never on the message path (the Durable Object's state). */
	background: Pick<DurableObjectState, "waitUntil">;
	/** The room's bans: a device banned from the room hears of nothing (restrictions.ts). */
	bans: { banOf(device: string, ip: undefined): unknown };
}

export class Notifier {
	readonly #store: PushSubscriptionStore;
	readonly #config: PushConfig;
	readonly #vapid: VapidKeys | null;
	readonly #room: string;
	readonly #background: NotifierOptions["background"];
	readonly #bans: NotifierOptions["bans"];
	readonly #bucket: Bucket;
	/** Whether the room has any subscription: a room without one spends nothing on a line. Read when first needed. */
	#known: boolean | undefined;

	constructor({ sql, config, vapid, room, background, bans }: NotifierOptions) {
		this.#store = new PushSubscriptionStore(sql);
		this.#config = config;
		this.#vapid = vapid;
		this.#room = room;
		this.#background = background;
		this.#bans = bans;
		this.#bucket = fullBucket(config.roomRate, Date.now());
	}

	/** Only for a room with storage (after its first join): an empty room has no tables to read. */
	get #any(): boolean {
		this.#known ??= this.#store.count() > 0;
		return this.#known;
	}

	/**
	 * Keeps a device's subscription, for the name it is in the room under,
	 * by the key a mention names it by (nameKey, as mentions.ts finds them).
	 * Device keys cost nothing, so a new device's is bounded: subscriptions
	 * of devices that have not joined for a while (keepMs) go first; then,
	 * if its address or the room has as many as it keeps, the one whose
	 * device joined least recently makes room, from that address or from
	 * the room. A device in `present` (with a socket here) is never made to
	 * make room: when only those are left, the new one is refused.
	 */
	subscribe(
		who: Joined,
		frame: Extract<ClientMessage, { type: "subscribe" }>,
		present: Set<string>,
		now = Date.now(),
	): SubscribeVerdict {
		if (!this.#vapid)
			return { ok: false, reason: "This server has no push keys; notifications work only while the page is open" };
		if (!hostAllowed(frame.subscription.endpoint, this.#config.hosts)) {
			return { ok: false, reason: "endpoint is not a push service this server sends to" };
		}
		if (!this.#store.get(who.device)) {
			const here = [...present];
			this.#store.expire(now - this.#config.keepMs, here);
			while (this.#store.countFromAddressOf(who.device) >= this.#config.perAddress) {
				if (!this.#store.dropLeastRecent(here, who.device))
					return { ok: false, reason: "Too many devices at your address have notifications on in this room" };
			}
			while (this.#store.count() >= this.#config.maxSubscriptions) {
				if (!this.#store.dropLeastRecent(here))
					return { ok: false, reason: "This room has as many push subscriptions as it keeps" };
			}
		}
		this.#store.put({
			device: who.device,
			nameKey: nameKey(who.name),
			endpoint: frame.subscription.endpoint,
			p256dh: frame.subscription.keys.p256dh,
			auth: frame.subscription.keys.auth,
			level: frame.level,
			preview: frame.preview,
		});
		this.#known = true;
		return { ok: true };
	}

	unsubscribe(who: Joined): void {
		this.#store.remove(who.device);
	}

	/**
	 * A device joined: it sees the room's lines itself now, so nothing held is
	 * pushed; and it may have come back under another name, which its
	 * mentions are for from now on.
	 */
	back(who: Joined): void {
		if (this.#any) this.#store.back(who.device, nameKey(who.name));
	}

	/**
	 * A chat line was stored: pushes it to the devices it matches that have no
	 * socket in the room, now or coalesced. Returns true when something is
	 * held for later (the room's alarm must be set).
	 */
	onLine(line: ChatMessage, sender: Joined, present: Set<string>, now = Date.now()): boolean {
		if (!this.#any || !this.#vapid || line.kind !== "chat") return false;
		const mentioned = (line.mentions ?? []).map(nameKey);
		let held = false;
		for (const sub of this.#store.matching(sender.device, mentioned)) {
			if (present.has(sub.device) || this.#banned(sub.device)) continue;
			const mention = mentioned.includes(sub.nameKey);
			const wait = Math.max(0, sub.lastSent + this.#config.deviceIntervalMs - now);
			if (wait === 0 && sub.held === 0 && this.#send(sub, line, 1, mention, now)) continue;
			this.#store.hold(sub.device, line.seq, mention, now + Math.max(wait, this.#budgetWait(now)));
			held = true;
		}
		return held;
	}

	/**
	 * A message was edited: whether it mentions each device it is held for is
	 * decided again by its new text, and a device that hears only of mentions
	 * no longer waits for it when it no longer mentions them. An edit is
	 * never pushed by itself (it may only change what is already held).
	 */
	edited(seq: number, mentions: string[] | undefined): void {
		if (this.#any) this.#store.remention(seq, (mentions ?? []).map(nameKey));
	}

	/** A message was deleted: it no longer counts in any device's next push. */
	deleted(seq: number): void {
		if (this.#any) this.#store.unhold(seq);
	}

	/** The room's alarm: sends what was held for each device whose interval has ended. */
	due(present: Set<string>, lineAt: (seq: number) => ChatMessage | undefined, now = Date.now()): void {
		if (!this.#vapid) return;
		for (const sub of this.#store.dueBy(now)) {
			const line = sub.heldSeq === null ? undefined : lineAt(sub.heldSeq);
			if (present.has(sub.device) || !line || this.#banned(sub.device)) {
				this.#store.clearHeld(sub.device);
				continue;
			}
			if (!this.#send(sub, line, sub.held, sub.heldMention, now))
				this.#store.postpone(sub.device, now + this.#budgetWait(now));
		}
	}

	nextDue(): number | undefined {
		return this.#any ? this.#store.nextDue() : undefined;
	}

	/** Sends one push in the background, if the room's budget allows; false when it does not. */
	#send(sub: PushSubscriptionRow, line: ChatMessage, count: number, mention: boolean, now: number): boolean {
		const vapid = this.#vapid;
		if (!vapid || take(this.#bucket, this.#config.roomRate, now) > 0) return false;
		this.#store.sent(sub.device, now);
		const payload = payloadFor(this.#room, line, count, mention, sub.preview);
		this.#background.waitUntil(
			sendPush(sub, payload, vapid, mention ? "high" : "normal").then((outcome) => {
				if (outcome === "gone") this.#store.removeEndpoint(sub.device, sub.endpoint);
			}),
		);
		return true;
	}

	/** Whether a device is banned from the room (by its device key, not its address). */
	#banned(device: string): boolean {
		return this.#bans.banOf(device, undefined) !== undefined;
	}

	/** How long until the room's budget has a send again (0 when it has one now), without spending it. */
	#budgetWait(now: number): number {
		const probe = { ...this.#bucket };
		return take(probe, this.#config.roomRate, now);
	}
}

/**
 * What a push says. Without `preview` (the default) it names only the room
 * and the sender: a lock screen shows no text the user did not choose to show.
 */
export function payloadFor(
	room: string,
	line: ChatMessage,
	count: number,
	mention: boolean,
	preview: boolean,
): PushPayload {
	const what = preview
		? `${line.name}: ${line.text.length > PREVIEW_CHARS ? `${line.text.slice(0, PREVIEW_CHARS)}…` : line.text}`
		: mention
			? `${line.name} mentioned you`
			: `New message from ${line.name}`;
	return {
		room,
		seq: line.seq,
		title: `#${room}`,
		body: count > 1 ? `${count} new messages · ${what}` : what,
		tag: `hashzap:${room}`,
		url: `/r/${encodeURIComponent(room)}#seq-${line.seq}`,
	};
}

/**
 * Whether an endpoint's host is on the list: `host`, `host:port`, or `*.domain` for its subdomains.
 * @example hostAllowed("https://fcm.googleapis.com/fcm/send/x", ["fcm.googleapis.com"]) // true
 */
export function hostAllowed(endpoint: string, hosts: string[]): boolean {
	let url: URL;
	try {
		url = new URL(endpoint);
	} catch {
		return false;
	}
	if (url.protocol !== "https:" || url.username || url.password) return false;
	const host = url.host.toLowerCase();
	const hostname = url.hostname.toLowerCase();
	return hosts.some((h) => (h.startsWith("*.") ? hostname.endsWith(h.slice(1)) && url.port === "" : h === host));
}
