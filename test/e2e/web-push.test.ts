/**
 * Web Push end to end, with no outside service: a message typed in Chromium
 * becomes a push that a push service on this machine receives over HTTPS,
 * and the test decrypts it with the device keys it made and checks its
 * VAPID signature with the server's key. The push service is
 * test/push-service.ts behind a TLS certificate the test makes with
 * openssl, trusted by workerd through NODE_EXTRA_CA_CERTS (push endpoints
 * are https: RFC 8030, and the library refuses anything else). Nothing is
 * mocked: the room's real sender, the real encryption, a real HTTP request.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PROTOCOL_VERSION, type ServerMessage } from "../../protocol";
import { b64url, decryptPush, deviceKeys, verifyVapid } from "../push-crypto";
import { PushService } from "../push-service";
import { type AppServer, startApp } from "./app-server";
import { launchBrowser } from "./browser";
import { joinAs, openPage, send } from "./chat-page";

let app: AppServer;
let browser: Browser;
let pushServer: Server;
let pushOrigin: string;
const pushService = new PushService();

/** A certificate authority and a certificate for 127.0.0.1 signed by it, made for this run. */
function makeCertificates(): { ca: string; key: string; cert: string } {
	const dir = mkdtempSync(join(tmpdir(), "hashzap-push-tls-"));
	const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
	writeFileSync(join(dir, "push.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
	run(
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-days",
		"1",
		"-subj",
		"/CN=Hashzap test CA",
		"-keyout",
		"ca.key",
		"-out",
		"ca.pem",
	);
	run(
		"req",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-subj",
		"/CN=127.0.0.1",
		"-keyout",
		"push.key",
		"-out",
		"push.csr",
	);
	run(
		"x509",
		"-req",
		"-in",
		"push.csr",
		"-CA",
		"ca.pem",
		"-CAkey",
		"ca.key",
		"-CAcreateserial",
		"-days",
		"1",
		"-extfile",
		"push.ext",
		"-out",
		"push.pem",
	);
	return {
		ca: join(dir, "ca.pem"),
		key: readFileSync(join(dir, "push.key"), "utf8"),
		cert: readFileSync(join(dir, "push.pem"), "utf8"),
	};
}

beforeAll(async () => {
	const tls = makeCertificates();
	pushServer = createServer({ key: tls.key, cert: tls.cert }, async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const headers = new Headers();
		for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
		const answer = await pushService.handle(
			new Request(`${pushOrigin}${req.url}`, {
				method: req.method,
				headers,
				body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
			}),
		);
		res.writeHead(answer.status, Object.fromEntries(answer.headers));
		res.end(Buffer.from(await answer.arrayBuffer()));
	});
	await new Promise<void>((resolve) => pushServer.listen(0, "127.0.0.1", resolve));
	const { port } = pushServer.address() as AddressInfo;
	pushOrigin = `https://127.0.0.1:${port}`;
	[app, browser] = await Promise.all([
		startApp({ PUSH_HOSTS: `127.0.0.1:${port}` }, { NODE_EXTRA_CA_CERTS: tls.ca }),
		launchBrowser(),
	]);
});

afterAll(async () => {
	await browser?.close();
	await app?.stop();
	await new Promise((resolve) => pushServer?.close(resolve));
});

/** A device that subscribes to the room's pushes over its own socket, then closes its tab. */
async function subscribeAndLeave(room: string, name: string, endpoint: string, keys: { p256dh: string; auth: string }) {
	const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api/rooms/${room}/websocket?v=${PROTOCOL_VERSION}`);
	const frames: ServerMessage[] = [];
	const next = (type: string) =>
		new Promise<ServerMessage>((resolve) => {
			const found = frames.find((f) => f.type === type);
			if (found) return resolve(found);
			ws.on("message", function listen(data) {
				const frame = JSON.parse(String(data)) as ServerMessage;
				if (frame.type !== type) return;
				ws.off("message", listen);
				resolve(frame);
			});
		});
	ws.on("message", (data) => frames.push(JSON.parse(String(data)) as ServerMessage));
	await new Promise((resolve) => ws.once("open", resolve));
	ws.send(JSON.stringify({ type: "join", name, user: `device-${crypto.randomUUID()}` }));
	await next("welcome");
	ws.send(JSON.stringify({ type: "subscribe", subscription: { endpoint, keys }, level: "mentions", preview: true }));
	ws.send(JSON.stringify({ type: "sync", since: 0 }));
	await next("history");
	expect(frames.filter((f) => f.type === "error")).toEqual([]);
	const closed = new Promise((resolve) => ws.once("close", resolve));
	ws.close(1000, "tab closed");
	await closed;
}

describe("Web Push through a push service on this machine", () => {
	it("turns a message that mentions an absent device into a push it decrypts, signed with the server's VAPID key", async () => {
		const room = `push-${Date.now()}`;
		const device = await deviceKeys();
		const endpoint = `${pushOrigin}/send/${crypto.randomUUID()}`;
		await subscribeAndLeave(room, "Bruno", endpoint, { p256dh: device.p256dh, auth: device.auth });

		const ana = await openPage(browser, `${app.url}/r/${room}`);
		await joinAs(ana.page, "Ana");
		await send(ana.page, "@Bruno the build is green");

		const path = new URL(endpoint).pathname;
		await expect.poll(() => pushService.received.get(path)?.length ?? 0, { timeout: 15_000 }).toBe(1);
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
		const shown = await bruno.waitForFunction(async () => {
			const notes = await (await navigator.serviceWorker.ready).getNotifications();
			return notes.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url }))[0];
		});
		expect(await shown.jsonValue()).toEqual({
			title: `#${room}`,
			body: "Ana: @Bruno the build is green",
			tag: `hashzap:${room}`,
			url: `/r/${room}#seq-${payload.seq}`,
		});
		await context.close();
		await ana.context.close();
	});
});
