/**
 * Registers the service worker (client/sw.ts, built as /sw.js): the app
 * shell for opening offline, and Web Push. Loaded and run only once the chat
 * has opened, so the first screen never waits for it.
 */

let registering: Promise<ServiceWorkerRegistration | null> | null = null;

export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
	registering ??=
		"serviceWorker" in navigator
			? navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" }).catch(() => null)
			: Promise.resolve(null);
	return registering;
}
