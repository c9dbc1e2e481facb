/**
 * Web Push end to end, with no outside service: a message typed in Chromium
 * becomes a push that a push service on this machine receives over HTTPS,
 * and the test decrypts it with the device keys it made and checks its
 * VAPID signature with the server's key. The push service is
 * test/push-service.ts over HTTPS (push-server.ts), behind a certificate
 * made for this run with openssl, trusted by workerd through
 * NODE_EXTRA_CA_CERTS. Nothing is mocked: the room's real sender, the real
 * encryption, a real HTTP request.
 */
import { afterAll, describe, expect, it } from "vitest";
import { b64url, decryptPush, deviceKeys, verifyVapid } from "../push-crypto";
import { PushService } from "../push-service";
import { joinAs, joinedPage, send } from "./chat-page";
import { harness, newRoom, sharedApp } from "./harness";
import { joinPeer } from "./peer";
import { startPushServer } from "./push-server";

const { app, browser } = await sharedApp("shipped");
const pushService = new PushService();
// The `shipped` server sends pushes to this port and trusts the authority that signed its certificate.
const { push } = harness();
const pushServer = await startPushServer(pushService, push, push.ports.webPush);
const pushOrigin = pushServer.origin;
afterAll(() => pushServer.close());

/** A device that subscribes to the room's pushes over its own socket, then closes its tab. */
async function subscribeAndLeave(room: string, name: string, endpoint: string, keys: { p256dh: string; auth: string }) {
	const device = await joinPeer(app, room, name, `device-${crypto.randomUUID()}`);
	device.send({ type: "subscribe", subscription: { endpoint, keys }, level: "mentions", preview: true });
	// Frames on a socket are handled in order: the answer to a sync means the subscribe was handled.
	device.send({ type: "sync", since: 0 });
	await device.next((f) => f.type === "history", "the history, the answer to the sync");
	expect(device.received.filter((f) => f.type === "error")).toEqual([]);
	device.close();
	await device.closed;
}

describe("Web Push through a push service on this machine", () => {
	it("turns a message that mentions an absent device into a push it decrypts, signed with the server's VAPID key", async () => {
		const room = newRoom("push");
		const device = await deviceKeys();
		const endpoint = `${pushOrigin}/send/${crypto.randomUUID()}`;
		await subscribeAndLeave(room, "Bruno", endpoint, { p256dh: device.p256dh, auth: device.auth });

		const ana = await joinedPage(browser, `${app.url}/r/${room}`, "Ana");
		await send(ana.page, "@Bruno the build is green");

		const path = new URL(endpoint).pathname;
		await expect.poll(() => pushService.received.get(path)?.length ?? 0).toBe(1);
		const [push] = pushService.received.get(path) ?? [];
		if (!push) throw new Error("no push");
		expect(push.headers["content-encoding"]).toBe("aes128gcm");
		const { publicKey } = (await (await fetch(`${app.url}/api/push/key`)).json()) as { publicKey: string };
		await verifyVapid(push.headers.authorization ?? "", endpoint, publicKey);
		const payload = JSON.parse(await decryptPush(b64url.decode(push.body), device));
		expect(payload).toMatchObject({
			room,
			title: `#${room}`,
			body: "Ana: @Bruno the build is green",
			tag: `hashzap:${room}`,
			url: `/r/${room}#seq-${payload.seq}`,
		});

		// What the push service would hand a browser, delivered to the app's service worker in Chromium (through
		// DevTools: a real browser's push comes from its vendor's service): it shows the notification for that message,
		// whose click opens its url. The click itself cannot be made here: DevTools has no way to click a notification.
		const context = await browser.newContext();
		await context.grantPermissions(["notifications"], { origin: app.url });
		const bruno = await context.newPage();
		const devtools = await context.newCDPSession(bruno);
		const registration = new Promise<string>((resolve) => {
			devtools.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
				const ours = registrations.find((r) => r.scopeURL.startsWith(app.url) && !r.isDeleted);
				if (ours) resolve(ours.registrationId);
			});
		});
		await devtools.send("ServiceWorker.enable");
		await bruno.goto(`${app.url}/r/${room}`);
		await joinAs(bruno, "Carla");
		await bruno.evaluate(() => navigator.serviceWorker.ready.then(() => true));
		await devtools.send("ServiceWorker.deliverPushMessage", {
			origin: app.url,
			registrationId: await registration,
			data: JSON.stringify(payload),
		});
		// Asked until it is there (waitForFunction would take the promise an async check returns for a yes).
		const shown = () =>
			bruno.evaluate(async () => {
				const notes = await (await navigator.serviceWorker.ready).getNotifications();
				return notes.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url }));
			});
		await expect.poll(shown).toEqual([
			{
				title: `#${room}`,
				body: "Ana: @Bruno the build is green",
				tag: `hashzap:${room}`,
				url: `/r/${room}#seq-${payload.seq}`,
			},
		]);
		await context.close();
		await ana.context.close();
	});
});
