/**
 * Debian's Chromium, driven by playwright-core. CI installs it (.ci/run);
 * a missing browser fails the suite with a clear message, never skips it.
 * One Chromium serves every file; a file that restarts the browser itself
 * launches its own, with a profile on disk.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, type BrowserServer, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
];

function executable(): string {
	if (!existsSync(CHROMIUM)) {
		throw new Error(
			`Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH)`,
		);
	}
	return CHROMIUM;
}

/** A Chromium of its own (the benchmark's scenarios launch one). */
export async function launchBrowser(): Promise<Browser> {
	return chromium.launch({ executablePath: executable(), args: ARGS });
}

/** The one Chromium the browser test files share (global-setup.ts): each file connects to it (harness.ts). */
export async function launchBrowserServer(): Promise<BrowserServer> {
	return chromium.launchServer({ executablePath: executable(), args: ARGS });
}

/**
 * A connection of its own to the shared Chromium: closing it closes every context opened through it, so a
 * file leaves nothing open behind it for the next.
 */
export async function connectBrowser(wsEndpoint: string): Promise<Browser> {
	return chromium.connect(wsEndpoint);
}

/**
 * Chromium with a profile on disk: closing it and launching it again on the
 * same directory is a browser restart, with the site's localStorage kept.
 */
export async function launchProfile(dir: string): Promise<BrowserContext> {
	return chromium.launchPersistentContext(dir, {
		executablePath: executable(),
		args: ARGS,
		viewport: { width: 1100, height: 720 },
	});
}
