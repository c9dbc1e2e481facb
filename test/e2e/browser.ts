/**
 * Debian's Chromium, driven by playwright-core. CI installs it (.ci/run);
 * a missing browser fails the suite with a clear message, never skips it.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

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

export async function launchBrowser(): Promise<Browser> {
	return chromium.launch({ executablePath: executable(), args: ARGS });
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
