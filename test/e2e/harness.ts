/**
 * What a browser test file takes from the shared harness (global-setup.ts):
 * the app in one of its configurations and a connection of its own to the
 * shared Chromium, closed after the file with every context it opened. A file
 * keeps to rooms of its own (`newRoom`), so that no two files ever meet in
 * one. The lobby is one room per server: only chat-flow.test.ts enters the
 * `shipped` server's, and only bundle-budget.test.ts the `raised` one's.
 * A file that stops its server or restarts the browser has its own instead
 * (`ownApp`, `ownProfile`), stopped after it, whether its tests pass or not.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, inject } from "vitest";
import { type App, type AppServer, startApp } from "./app-server";
import { connectBrowser, launchProfile } from "./browser";
import type { Configuration } from "./configurations";

export interface Harness {
	apps: Record<Configuration, App>;
	/** The shared Chromium's endpoint. */
	chromium: string;
	/** Ports the `shipped` server allows as pages' origins, one for each file that serves pages through a proxy. */
	proxyPorts: { heartbeat: number; store: number };
	/**
	 * The push services files run, a port for each file (two files may run at once): the `shipped` server sends to
	 * these ports and trusts the authority that signed the certificate.
	 */
	push: { ports: { webPush: number; moderationTools: number }; key: string; cert: string; ca: string };
}

declare module "vitest" {
	export interface ProvidedContext {
		harness: Harness;
	}
}

export const harness = (): Harness => inject("harness");

/** A connection of the file's own to the shared Chromium, closed after the file's last test. */
export async function sharedBrowser(): Promise<Browser> {
	const browser = await connectBrowser(harness().chromium);
	afterAll(() => browser.close());
	return browser;
}

/** The shared app in `configuration` and the file's connection to the shared Chromium. */
export async function sharedApp(configuration: Configuration): Promise<{ app: App; browser: Browser }> {
	return { app: harness().apps[configuration], browser: await sharedBrowser() };
}

/** A room name no other test uses, in this file or another: `prefix` says whose it is when reading a log. */
export function newRoom(prefix: string): string {
	return `${prefix}-${crypto.randomUUID().slice(0, 13)}`;
}

/** The address of a room no other test uses, on `app`. */
export function roomUrl(app: App, prefix: string): string {
	return `${app.url}/r/${newRoom(prefix)}`;
}

/** A server of the file's own, with wrangler.toml's limits, stopped after the file: for a file that stops or redeploys it. */
export async function ownApp(): Promise<AppServer> {
	const app = await startApp();
	afterAll(() => app.stop());
	return app;
}

/**
 * A Chromium of the file's own with a new profile on disk, closed after the file: an app is installable only
 * from one, and a file that closes the browser and opens it again keeps its site data in one.
 */
export async function ownProfile(): Promise<BrowserContext> {
	const profile = await launchProfile(newProfileDir());
	afterAll(() => profile.close());
	return profile;
}

export function newProfileDir(): string {
	return mkdtempSync(join(tmpdir(), "hashzap-profile-"));
}
