/**
 * The service worker: the app shell for offline use, and Web Push.
 *
 * Shell: every file of one build (listed, with a version hash, by the build:
 * vite.config.ts fills in SHELL) is cached together under that version's
 * name when the worker installs. Pages are answered from the cache of the
 * version that controls them, so a page never mixes files of two deploys; a
 * new deploy's worker waits until no tab runs the old one, then takes over
 * and deletes the old cache. The API and the socket always go to the network.
 *
 * Push: shows what the room sent (one notification per room, replaced by the
 * next), and a click opens the room at that message, in a tab already open
 * if there is one.
 */
import type { PushPayload } from "../protocol";

const sw = self as unknown as ServiceWorkerGlobalScope;
/** Filled in by the build: this version's files and a hash of their contents. */
declare const SHELL: { version: string; files: string[] };

const CACHE = `hashzap-shell-${SHELL.version}`;
const ROOM_PAGE = /^\/r\/[A-Za-z0-9_-]{1,64}$/;

sw.addEventListener("install", (event) => {
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.files)));
});

sw.addEventListener("activate", (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((names) =>
				Promise.all(names.filter((n) => n.startsWith("hashzap-shell-") && n !== CACHE).map((n) => caches.delete(n))),
			),
	);
});

sw.addEventListener("fetch", (event) => {
	const request = event.request;
	const url = new URL(request.url);
	if (request.method !== "GET" || url.origin !== sw.location.origin || url.pathname.startsWith("/api/")) return;
	// The lobby and every room are the same page; other paths (a bad room name's error page) go to the network.
	const page = request.mode === "navigate" && (url.pathname === "/" || ROOM_PAGE.test(url.pathname));
	const key = page ? "/" : url.pathname;
	if (!page && !SHELL.files.includes(key)) return;
	event.respondWith(
		caches
			.open(CACHE)
			.then((cache) => cache.match(key))
			.then((hit) => hit ?? fetch(request)),
	);
});

sw.addEventListener("push", (event) => {
	const data = event.data?.json() as PushPayload | undefined;
	if (!data) return;
	event.waitUntil(
		sw.registration.showNotification(data.title, {
			body: data.body,
			tag: data.tag,
			icon: "/icons/icon-192.png",
			badge: "/icons/icon-192.png",
			data,
		}),
	);
});

sw.addEventListener("notificationclick", (event) => {
	event.notification.close();
	const data = event.notification.data as PushPayload | undefined;
	const target = new URL(data?.url ?? "/", sw.location.origin);
	event.waitUntil(
		sw.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
			const open = windows.find((w) => new URL(w.url).pathname === target.pathname);
			if (open) return open.navigate(target.href).then((w) => w?.focus());
			return sw.clients.openWindow(target.href);
		}),
	);
});
