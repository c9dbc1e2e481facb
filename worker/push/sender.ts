/**
 * Sends one Web Push: the payload encrypted for the device as `aes128gcm`
 * (RFC 8291) and the request signed with the server's VAPID key (RFC 8292),
 * both with WebCrypto, by @block65/webcrypto-web-push (see README, "Push
 * keys", for why that library). The answer says what to do with the
 * subscription: a push service answering 404 or 410 has forgotten it.
 */
import { buildPushPayload } from "@block65/webcrypto-web-push";
import type { PushPayload } from "../../protocol";

export interface VapidKeys {
	/** A mailto: or https: URL push services may contact. */
	subject: string;
	/** base64url of the raw P-256 point (65 bytes). */
	publicKey: string;
	/** base64url of the private scalar (32 bytes). */
	privateKey: string;
}

export interface PushTarget {
	endpoint: string;
	p256dh: string;
	auth: string;
}

/** sent: the push service took it; gone: it no longer knows the subscription; failed: anything else. */
export type PushOutcome = "sent" | "gone" | "failed";

/** How long a push service keeps a push for a device that is offline. */
const TTL_SECONDS = 60 * 60;
const TIMEOUT_MS = 10_000;

/** The VAPID keys from the worker's secrets, or null when push is not set up (README, "Push keys"). */
export function vapidKeys(
	env: Pick<Env, "VAPID_PUBLIC_KEY" | "VAPID_PRIVATE_KEY" | "VAPID_SUBJECT">,
): VapidKeys | null {
	const publicKey = env.VAPID_PUBLIC_KEY?.trim();
	const privateKey = env.VAPID_PRIVATE_KEY?.trim();
	if (!publicKey || !privateKey) return null;
	return { subject: env.VAPID_SUBJECT || "mailto:hashzap@example.com", publicKey, privateKey };
}

export async function sendPush(
	target: PushTarget,
	payload: PushPayload,
	vapid: VapidKeys,
	urgency: "normal" | "high",
): Promise<PushOutcome> {
	try {
		const request = await buildPushPayload(
			{ data: payload, options: { ttl: TTL_SECONDS, urgency } },
			{ endpoint: target.endpoint, expirationTime: null, keys: { p256dh: target.p256dh, auth: target.auth } },
			vapid,
		);
		const res = await fetch(target.endpoint, {
			method: "POST",
			headers: request.headers,
			body: request.body,
			signal: AbortSignal.timeout(TIMEOUT_MS),
		});
		await res.body?.cancel();
		if (res.status === 404 || res.status === 410) return "gone";
		return res.ok ? "sent" : "failed";
	} catch (error) {
		console.warn("push failed", error instanceof Error ? error.message : error);
		return "failed";
	}
}
