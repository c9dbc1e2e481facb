/**
 * Web Push for this device in this room: subscribes with the Push API (the
 * browser's one subscription, shared by every room) and tells the room, with
 * the level and whether to show text; Off tells the room to push nothing.
 * Loaded only when notifications are on and allowed. It imports no code of
 * the chat chunk (the room is told through `tell`): a chunk loaded from the
 * chat that imports the chat's own modules makes the bundler split what the
 * first screen and the chat share into chunks of their own, and the first
 * screen over its budget.
 * What keeps this device from push (a browser without it, a push service
 * that fails, a server without push keys) is said, not swallowed: the
 * Notifications control shows it.
 */
import type { ClientMessage, NotifyLevel } from "../../protocol";
import { registerServiceWorker } from "./sw-registration";

/** What this module tells the room: the one way out (outbound.ts) sends it, or the latest of it once the page is back in the room. */
export type PushFrame = Extract<ClientMessage, { type: "subscribe" | "unsubscribe" }>;

/** Resolves with why push could not be turned on, in the person's words, or null when nothing stands in the way. */
export async function syncPushSubscription(
	level: NotifyLevel,
	preview: boolean,
	tell: (frame: PushFrame) => void,
): Promise<string | null> {
	if (level === "off" || typeof Notification === "undefined" || Notification.permission !== "granted") {
		tell({ type: "unsubscribe" });
		return null;
	}
	try {
		const registration = await registerServiceWorker();
		if (!registration || !("pushManager" in registration)) return notOn("this browser cannot receive push messages");
		const res = await fetch("/api/push/key");
		if (!res.ok) return notOn("this server sends no push messages");
		const { publicKey } = (await res.json()) as { publicKey: string };
		const ready = await navigator.serviceWorker.ready;
		const subscription =
			(await ready.pushManager.getSubscription()) ??
			(await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey }));
		const { endpoint, keys } = subscription.toJSON();
		if (!endpoint || !keys?.p256dh || !keys.auth) return notOn("the browser's subscription has no keys");
		tell({
			type: "subscribe",
			subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } },
			level,
			preview,
		});
		return null;
	} catch (e) {
		// No push service reachable (or push refused): notifications still work while the page is open.
		return notOn(e instanceof Error && e.message ? e.message : String(e));
	}
}

const notOn = (why: string) =>
	`Notifications could not be turned on for when Hashzap is closed (${why}): you are notified only while Hashzap is open.`;
