/**
 * The device's side of Web Push, for tests: a subscription's keys made with
 * WebCrypto, and what a browser does with a push that arrives: check the
 * VAPID signature (RFC 8292) and decrypt the `aes128gcm` body (RFC 8291,
 * RFC 8188). Written from the RFCs, not from the sending library, so that a
 * test proves the library and our use of it; runs in Node and in workerd.
 */

/** Bytes on an ArrayBuffer: what WebCrypto takes under every lib set. */
type Bytes = Uint8Array<ArrayBuffer>;

export interface DeviceKeys {
	/** As PushSubscription.toJSON() gives them. */
	p256dh: string;
	auth: string;
	privateKey: CryptoKey;
	publicRaw: Bytes;
	authRaw: Bytes;
}

export const b64url = {
	encode(bytes: Uint8Array): string {
		let s = "";
		for (const b of bytes) s += String.fromCharCode(b);
		return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
	},
	decode(text: string): Bytes {
		const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
		return Uint8Array.from(s, (c) => c.charCodeAt(0));
	},
};

export async function deviceKeys(): Promise<DeviceKeys> {
	const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
		"deriveBits",
	])) as CryptoKeyPair;
	const publicRaw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
	const authRaw = crypto.getRandomValues(new Uint8Array(16));
	return {
		p256dh: b64url.encode(publicRaw),
		auth: b64url.encode(authRaw),
		privateKey: pair.privateKey,
		publicRaw,
		authRaw,
	};
}

const text = (s: string): Bytes => new TextEncoder().encode(s) as Bytes;
const concat = (...parts: Uint8Array[]): Bytes => {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
};

async function hkdf(salt: Bytes, ikm: Bytes, info: Bytes, bytes: number): Promise<Bytes> {
	const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
	return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8));
}

/** Decrypts an aes128gcm push body with the device's keys; throws when it was not encrypted for them. */
export async function decryptPush(body: Bytes, device: DeviceKeys): Promise<string> {
	// RFC 8188 header: salt (16), record size (4), key id length (1), key id (the sender's public key).
	const salt = body.slice(0, 16);
	const idLength = body[20] as number;
	const senderPublic = body.slice(21, 21 + idLength);
	const record = body.slice(21 + idLength);
	const sender = await crypto.subtle.importKey("raw", senderPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
	const shared = new Uint8Array(
		// workerd's types spell the field `$public`; at run time both runtimes take `public`.
		await crypto.subtle.deriveBits(
			{ name: "ECDH", public: sender } as unknown as Parameters<typeof crypto.subtle.deriveBits>[0],
			device.privateKey,
			256,
		),
	);
	// RFC 8291 §3.4: the input keying material binds both public keys and the auth secret.
	const ikm = await hkdf(device.authRaw, shared, concat(text("WebPush: info\0"), device.publicRaw, senderPublic), 32);
	const cek = await hkdf(salt, ikm, text("Content-Encoding: aes128gcm\0"), 16);
	const nonce = await hkdf(salt, ikm, text("Content-Encoding: nonce\0"), 12);
	const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
	const padded = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, record));
	// The last record ends with the delimiter 0x02, then zero padding.
	let end = padded.length - 1;
	while (end >= 0 && padded[end] === 0) end--;
	if (padded[end] !== 2) throw new Error("No last-record delimiter in the decrypted push");
	return new TextDecoder().decode(padded.slice(0, end));
}

/**
 * Checks an `Authorization: vapid t=<JWT>, k=<key>` header as a push service
 * does: the key is the server's, the ES256 signature holds, the audience is
 * the push service's origin, and it expires within 24 hours. Returns the claims.
 */
export async function verifyVapid(
	authorization: string,
	endpoint: string,
	serverPublicKey: string,
): Promise<{ aud: string; exp: number; sub: string }> {
	const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization);
	if (!match) throw new Error(`Not a VAPID Authorization header: ${authorization}`);
	const [, jwt = "", k = ""] = match;
	if (k !== serverPublicKey) throw new Error("The VAPID key is not the server's");
	const [head = "", claims = "", signature = ""] = jwt.split(".");
	const key = await crypto.subtle.importKey("raw", b64url.decode(k), { name: "ECDSA", namedCurve: "P-256" }, false, [
		"verify",
	]);
	const valid = await crypto.subtle.verify(
		{ name: "ECDSA", hash: "SHA-256" },
		key,
		b64url.decode(signature),
		text(`${head}.${claims}`),
	);
	if (!valid) throw new Error("The VAPID signature does not verify");
	const header = JSON.parse(new TextDecoder().decode(b64url.decode(head))) as { alg: string };
	if (header.alg !== "ES256") throw new Error(`VAPID alg is ${header.alg}`);
	const payload = JSON.parse(new TextDecoder().decode(b64url.decode(claims))) as {
		aud: string;
		exp: number;
		sub: string;
	};
	if (payload.aud !== new URL(endpoint).origin) throw new Error(`VAPID aud ${payload.aud} is not ${endpoint}'s origin`);
	const now = Date.now() / 1000;
	if (!(payload.exp > now && payload.exp <= now + 24 * 3600))
		throw new Error(`VAPID exp ${payload.exp} is out of range`);
	return payload;
}
