/**
 * Web Push for this device in this room: subscribes with the Push API (the
 * browser's one subscription, shared by every room) and tells the room, with
 * the level and whether to show text; Off tells the room to push nothing.
 * Loaded only when notifications are on and allowed.
 */
import { ATTENTION_VERSION, PROTOCOL_VERSION } from "../protocol";
import { sendControl } from "./chat-store";
import type { NotifyLevel } from "./notifications";
import { registerServiceWorker } from "./service-worker";

export async function syncPushSubscription(level: NotifyLevel, preview: boolean): Promise<void> {
	if (level === "off" || typeof Notification === "undefined" || Notification.permission !== "granted") {
		sendControl({ type: "unsubscribe" }, ATTENTION_VERSION);
		return;
	}
	try {
		const registration = await registerServiceWorker();
		if (!registration || !("pushManager" in registration)) return;
		const res = await fetch(`/api/push/key?v=${PROTOCOL_VERSION}`);
		if (!res.ok) return;
		const { publicKey } = (await res.json()) as { publicKey: string };
		const ready = await navigator.serviceWorker.ready;
		const subscription =
			(await ready.pushManager.getSubscription()) ??
			(await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey }));
		const { endpoint, keys } = subscription.toJSON();
		if (!endpoint || !keys?.p256dh || !keys.auth) return;
		sendControl(
			{ type: "subscribe", subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } }, level, preview },
			ATTENTION_VERSION,
		);
	} catch {
		// No push service reachable (or push refused): notifications still work while the page is open.
	}
}
