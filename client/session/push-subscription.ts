/**
 * Web Push for this device in this room: subscribes with the Push API (the
 * browser's one subscription, shared by every room) and tells the room, with
 * the level and whether to show text; Off tells the room to push nothing.
 * Loaded only when notifications are on and allowed. It imports no code of
 * the chat chunk (the room is told through `tell`): a chunk loaded from the
 * chat that imports the chat's own modules makes the bundler split what the
 * first screen and the chat share into chunks of their own, and the first
 * screen over its budget.
 */
import type { ClientMessage, NotifyLevel } from "../../protocol";
import { registerServiceWorker } from "./sw-registration";

/** What this module tells the room: the one way out (outbound.ts) sends it, or the latest of it once the page is back in the room. */
export type PushFrame = Extract<ClientMessage, { type: "subscribe" | "unsubscribe" }>;

export async function syncPushSubscription(
	level: NotifyLevel,
	preview: boolean,
	tell: (frame: PushFrame) => void,
): Promise<void> {
	if (level === "off" || typeof Notification === "undefined" || Notification.permission !== "granted") {
		tell({ type: "unsubscribe" });
		return;
	}
	try {
		const registration = await registerServiceWorker();
		if (!registration || !("pushManager" in registration)) return;
		const res = await fetch("/api/push/key");
		if (!res.ok) return;
		const { publicKey } = (await res.json()) as { publicKey: string };
		const ready = await navigator.serviceWorker.ready;
		const subscription =
			(await ready.pushManager.getSubscription()) ??
			(await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey }));
		const { endpoint, keys } = subscription.toJSON();
		if (!endpoint || !keys?.p256dh || !keys.auth) return;
		tell({
			type: "subscribe",
			subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } },
			level,
			preview,
		});
	} catch {
		// No push service reachable (or push refused): notifications still work while the page is open.
	}
}
