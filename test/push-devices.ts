/**
 * Devices that hear of a room by Web Push, for the workerd tests: a key pair
 * and an endpoint at the test push service (test/push-service.ts, reached at
 * https://push.test), a subscribe as a page sends it, and what arrived there,
 * decrypted with the device's keys.
 */
import type { NotifyLevel, PushPayload } from "../protocol";
import { b64url, type DeviceKeys, decryptPush, deviceKeys } from "./push-crypto";
import type { ReceivedPush } from "./push-service";
import { TestClient } from "./ws-client";

/** A device: its key pair, and an endpoint of its own at the test push service. */
export async function newDevice(kind: "ok" | "gone" | "missing" | "slow" = "ok") {
	const keys = await deviceKeys();
	const endpoint = `https://push.test/${kind === "ok" ? "send" : kind}/${crypto.randomUUID()}`;
	return { keys, endpoint };
}

export type Device = Awaited<ReturnType<typeof newDevice>>;

export function subscribe(client: TestClient, device: Device, level: Exclude<NotifyLevel, "off">, preview = false) {
	client.send({
		type: "subscribe",
		subscription: { endpoint: device.endpoint, keys: { p256dh: device.keys.p256dh, auth: device.keys.auth } },
		level,
		preview,
	});
}

/** Joins, subscribes, waits until the room has taken the frame, and (unless told otherwise) closes the tab. */
export async function subscribedAway(
	room: string,
	name: string,
	device: Device,
	level: Exclude<NotifyLevel, "off">,
	preview = false,
) {
	const { client, user } = await TestClient.join(room, name);
	subscribe(client, device, level, preview);
	// Frames on a socket are handled in order: the answer to a sync means the subscribe was handled.
	client.send({ type: "sync", since: 0 });
	await client.waitFor("history");
	client.ws.close(1000, "tab closed");
	await client.closed;
	return user;
}

/** What the push service received at a device's endpoint, once it holds at least `count` pushes. */
export async function pushes(device: Device, count: number): Promise<ReceivedPush[]> {
	const path = new URL(device.endpoint).pathname;
	const deadline = Date.now() + 4000;
	for (;;) {
		const list = (await (await fetch(`https://push.test/__received${path}`)).json()) as ReceivedPush[];
		if (list.length >= count) return list;
		if (Date.now() > deadline) throw new Error(`${list.length} pushes arrived at ${path}, expected ${count}`);
		await new Promise((r) => setTimeout(r, 25));
	}
}

export async function open(push: ReceivedPush, keys: DeviceKeys): Promise<PushPayload> {
	return JSON.parse(await decryptPush(b64url.decode(push.body), keys)) as PushPayload;
}
