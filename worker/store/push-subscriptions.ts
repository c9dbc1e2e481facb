/**
 * The room's Web Push subscriptions, one per device key, with what each
 * device has been sent and what is held for it (one row per held line in
 * push_held, so that a line deleted before its push is taken out), in the
 * room's SQLite storage. Every value reaches SQL as a bound parameter.
 */
import type { NotifyLevel } from "../../protocol";

export interface PushSubscriptionRow {
	/** The device key (the `user` of join). */
	device: string;
	/** The name the device last joined under, by the protocol's nameKey (never the look-alike skeleton): what its mentions match. */
	nameKey: string;
	endpoint: string;
	p256dh: string;
	auth: string;
	level: Exclude<NotifyLevel, "off">;
	preview: boolean;
	/** When the last push to this device went out (ms; 0 never). */
	lastSent: number;
	/** Lines matched since then and not yet pushed. */
	held: number;
	/** The newest of those. */
	heldSeq: number | null;
	/** Whether one of them mentions the device. */
	heldMention: boolean;
	/** When the held lines go out (ms), or null. */
	due: number | null;
}

interface Row extends Record<string, SqlStorageValue> {
	user_key: string;
	name_key: string;
	endpoint: string;
	p256dh: string;
	auth: string;
	level: string;
	preview: number;
	last_sent: number;
	held: number;
	held_seq: number | null;
	held_mention: number;
	due: number | null;
}

/** A subscription with a summary of the lines held for it. */
const SELECT = `SELECT s.user_key, s.name_key, s.endpoint, s.p256dh, s.auth, s.level, s.preview, s.last_sent, s.due,
	(SELECT COUNT(*) FROM push_held h WHERE h.user_key = s.user_key) AS held,
	(SELECT MAX(h.seq) FROM push_held h WHERE h.user_key = s.user_key) AS held_seq,
	(SELECT COALESCE(MAX(h.mention), 0) FROM push_held h WHERE h.user_key = s.user_key) AS held_mention
	FROM push_subscriptions s`;

export class PushSubscriptionStore {
	constructor(private readonly sql: SqlStorage) {}

	count(): number {
		return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM push_subscriptions").one().n;
	}

	get(device: string): PushSubscriptionRow | undefined {
		const r = this.sql.exec<Row>(`${SELECT} WHERE s.user_key = ?`, device).toArray()[0];
		return r && toSubscription(r);
	}

	/** Adds or replaces a device's subscription; what was held for it is dropped with the old one. */
	put(s: Pick<PushSubscriptionRow, "device" | "nameKey" | "endpoint" | "p256dh" | "auth" | "level" | "preview">): void {
		this.sql.exec(
			`INSERT OR REPLACE INTO push_subscriptions (user_key, name_key, endpoint, p256dh, auth, level, preview, last_sent)
			 VALUES (?, ?, ?, ?, ?, ?, ?, COALESCE((SELECT last_sent FROM push_subscriptions WHERE user_key = ?), 0))`,
			s.device,
			s.nameKey,
			s.endpoint,
			s.p256dh,
			s.auth,
			s.level,
			s.preview ? 1 : 0,
			s.device,
		);
		this.sql.exec("DELETE FROM push_held WHERE user_key = ?", s.device);
	}

	remove(device: string): void {
		this.sql.exec("DELETE FROM push_subscriptions WHERE user_key = ?", device);
		this.sql.exec("DELETE FROM push_held WHERE user_key = ?", device);
	}

	/**
	 * Removes the subscriptions of devices not in `present` that last joined
	 * the room (visitors, moderation's table of who has been here) before
	 * `before`, with what was held for them.
	 */
	expire(before: number, present: string[]): void {
		this.sql.exec(
			`DELETE FROM push_subscriptions WHERE user_key NOT IN (SELECT value FROM json_each(?))
			 AND COALESCE((SELECT at FROM visitors v WHERE v.user_key = push_subscriptions.user_key), 0) < ?`,
			JSON.stringify(present),
			before,
		);
		this.sql.exec("DELETE FROM push_held WHERE user_key NOT IN (SELECT user_key FROM push_subscriptions)");
	}

	/** How many subscriptions are of devices that last joined from the address `device` last joined from. */
	countFromAddressOf(device: string): number {
		return this.sql
			.exec<{ n: number }>(
				`SELECT COUNT(*) AS n FROM push_subscriptions s JOIN visitors v ON v.user_key = s.user_key
				 WHERE v.ip = (SELECT ip FROM visitors WHERE user_key = ?)`,
				device,
			)
			.one().n;
	}

	/**
	 * Removes the subscription of the device that joined the room least
	 * recently, of those not in `present` (and, given `sameAddressAs`, that
	 * last joined from the address that device did); whether there was one.
	 */
	dropLeastRecent(present: string[], sameAddressAs?: string): boolean {
		const row = this.sql
			.exec<{ user_key: string }>(
				`SELECT s.user_key FROM push_subscriptions s LEFT JOIN visitors v ON v.user_key = s.user_key
				 WHERE s.user_key NOT IN (SELECT value FROM json_each(?))
				 AND (?2 IS NULL OR v.ip = (SELECT ip FROM visitors WHERE user_key = ?2))
				 ORDER BY COALESCE(v.at, 0) LIMIT 1`,
				JSON.stringify(present),
				sameAddressAs ?? null,
			)
			.toArray()[0];
		if (!row) return false;
		this.remove(row.user_key);
		return true;
	}

	/** Removes a subscription only if it still points where a push failed (the device may have subscribed anew since). */
	removeEndpoint(device: string, endpoint: string): void {
		this.sql.exec("DELETE FROM push_subscriptions WHERE user_key = ? AND endpoint = ?", device, endpoint);
		this.sql.exec(
			"DELETE FROM push_held WHERE user_key = ? AND NOT EXISTS (SELECT 1 FROM push_subscriptions WHERE user_key = ?)",
			device,
			device,
		);
	}

	/** The devices a chat line may be pushed to: everyone's but the sender's, at level all or mentioned. */
	matching(sender: string, mentioned: string[]): PushSubscriptionRow[] {
		const keys = JSON.stringify(mentioned);
		return this.sql
			.exec<Row>(
				`${SELECT} WHERE s.user_key != ? AND (s.level = 'all' OR s.name_key IN (SELECT value FROM json_each(?)))`,
				sender,
				keys,
			)
			.toArray()
			.map(toSubscription);
	}

	/** The line went out to the device now: nothing is held for it any more. */
	sent(device: string, now: number): void {
		this.sql.exec("UPDATE push_subscriptions SET last_sent = ?, due = NULL WHERE user_key = ?", now, device);
		this.sql.exec("DELETE FROM push_held WHERE user_key = ?", device);
	}

	/** The line waits for the device's next push, at `due` (an earlier due stays). */
	hold(device: string, seq: number, mention: boolean, due: number): void {
		this.sql.exec(
			"INSERT OR IGNORE INTO push_held (user_key, seq, mention) VALUES (?, ?, ?)",
			device,
			seq,
			mention ? 1 : 0,
		);
		this.sql.exec("UPDATE push_subscriptions SET due = MIN(COALESCE(due, ?), ?) WHERE user_key = ?", due, due, device);
	}

	/** Nothing is held for the device any more (it came back to the room and saw the lines). */
	clearHeld(device: string): void {
		this.sql.exec("UPDATE push_subscriptions SET due = NULL WHERE user_key = ?", device);
		this.sql.exec("DELETE FROM push_held WHERE user_key = ?", device);
	}

	/**
	 * The device came back to the room under `nameKey`: nothing is held for it, and mentions of that name are
	 * its own, no longer those of a device that held the name before (it is pushed no one else's mentions).
	 */
	back(device: string, nameKey: string): void {
		this.sql.exec("UPDATE push_subscriptions SET name_key = '' WHERE name_key = ? AND user_key != ?", nameKey, device);
		this.sql.exec("UPDATE push_subscriptions SET due = NULL, name_key = ? WHERE user_key = ?", nameKey, device);
		this.sql.exec("DELETE FROM push_held WHERE user_key = ?", device);
	}

	/**
	 * A held line's text changed: it mentions the devices whose name keys are in `mentioned`, and no longer
	 * waits for a device at level `mentions` that it does not mention.
	 */
	remention(seq: number, mentioned: string[]): void {
		this.sql.exec(
			`UPDATE push_held SET mention = EXISTS (
				SELECT 1 FROM push_subscriptions s
				WHERE s.user_key = push_held.user_key AND s.name_key IN (SELECT value FROM json_each(?))
			) WHERE seq = ?`,
			JSON.stringify(mentioned),
			seq,
		);
		this.sql.exec(
			`DELETE FROM push_held WHERE seq = ? AND mention = 0
			 AND user_key IN (SELECT user_key FROM push_subscriptions WHERE level = 'mentions')`,
			seq,
		);
		this.#nothingHeldNothingDue();
	}

	/** A line is held for no one any more (it was deleted); a device left with nothing held has nothing due. */
	unhold(seq: number): void {
		this.sql.exec("DELETE FROM push_held WHERE seq = ?", seq);
		this.#nothingHeldNothingDue();
	}

	#nothingHeldNothingDue(): void {
		this.sql.exec(
			`UPDATE push_subscriptions SET due = NULL
			 WHERE due IS NOT NULL AND NOT EXISTS (SELECT 1 FROM push_held h WHERE h.user_key = push_subscriptions.user_key)`,
		);
	}

	/** Moves a held push later (the room is out of sends for now). */
	postpone(device: string, due: number): void {
		this.sql.exec("UPDATE push_subscriptions SET due = ? WHERE user_key = ?", due, device);
	}

	dueBy(now: number): PushSubscriptionRow[] {
		return this.sql
			.exec<Row>(`${SELECT} WHERE s.due IS NOT NULL AND s.due <= ? ORDER BY s.due`, now)
			.toArray()
			.map(toSubscription);
	}

	nextDue(): number | undefined {
		return (
			this.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM push_subscriptions").one().due ?? undefined
		);
	}
}
function toSubscription(r: Row): PushSubscriptionRow {
	return {
		device: r.user_key,
		nameKey: r.name_key,
		endpoint: r.endpoint,
		p256dh: r.p256dh,
		auth: r.auth,
		level: r.level === "all" ? "all" : "mentions",
		preview: r.preview === 1,
		lastSent: r.last_sent,
		held: r.held,
		heldSeq: r.held_seq,
		heldMention: r.held_mention === 1,
		due: r.due,
	};
}
