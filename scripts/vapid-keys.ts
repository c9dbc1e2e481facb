/**
 * VAPID keys for Web Push (RFC 8292): a P-256 key pair, as the worker's
 * secrets hold it (base64url: the public key as a raw uncompressed point, the
 * private key as its 32-byte scalar).
 *
 * Run as a script (`npm start` does, before `wrangler dev`), it makes sure
 * `.dev.vars` (git-ignored) holds a local pair, writing one on the first run
 * when none is set. A deploy sets its own with `wrangler secret put` (README).
 */
import { webcrypto } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export interface VapidKeyPair {
	VAPID_PUBLIC_KEY: string;
	VAPID_PRIVATE_KEY: string;
}

export async function generateVapidKeys(): Promise<VapidKeyPair> {
	// Node's WebCrypto by name: this file is also compiled with workerd's types (through vitest.config.ts).
	const { subtle } = webcrypto;
	const pair = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
	const raw = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
	const jwk = await subtle.exportKey("jwk", pair.privateKey);
	if (!jwk.d) throw new Error("WebCrypto gave a private key without d");
	return { VAPID_PUBLIC_KEY: Buffer.from(raw).toString("base64url"), VAPID_PRIVATE_KEY: jwk.d };
}

/** Adds a fresh pair to a .dev.vars file that has none; leaves one that has keys alone. Returns whether it wrote. */
export async function ensureDevVars(path: string): Promise<boolean> {
	const current = existsSync(path) ? readFileSync(path, "utf8") : "";
	if (/^VAPID_PUBLIC_KEY=\S/m.test(current) && /^VAPID_PRIVATE_KEY=\S/m.test(current)) return false;
	const keys = await generateVapidKeys();
	const kept = current
		.split("\n")
		.filter((line) => !/^VAPID_(PUBLIC|PRIVATE)_KEY=/.test(line))
		.join("\n")
		.trimEnd();
	const lines = [
		"# Local VAPID keys for Web Push, written by `npm start` (scripts/vapid-keys.ts). Never deploy these.",
		`VAPID_PUBLIC_KEY=${keys.VAPID_PUBLIC_KEY}`,
		`VAPID_PRIVATE_KEY=${keys.VAPID_PRIVATE_KEY}`,
	];
	writeFileSync(path, `${kept ? `${kept}\n` : ""}${lines.join("\n")}\n`, { mode: 0o600 });
	return true;
}

if (import.meta.main) {
	const path = new URL("../.dev.vars", import.meta.url).pathname;
	if (process.env.VAPID_PUBLIC_KEY && process.env.VAPID_PRIVATE_KEY) {
		console.log("Push keys: VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY from the environment");
	} else if (await ensureDevVars(path)) {
		console.log("Push keys: wrote a new local VAPID key pair to .dev.vars");
	}
}
