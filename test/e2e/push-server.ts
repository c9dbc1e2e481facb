/**
 * A push service on this machine for the browser tests: test/push-service.ts
 * over HTTPS (push endpoints are https: RFC 8030, and the library refuses
 * anything else), behind a certificate for 127.0.0.1 signed by a certificate
 * authority made for this run with openssl. The app's server trusts that
 * authority through NODE_EXTRA_CA_CERTS, and sends to its host (PUSH_HOSTS):
 * both are set when the server starts (global-setup.ts), the service itself
 * runs in the test file that reads what it received.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PushService } from "../push-service";

export interface PushTls {
	/** The certificate authority's file, for NODE_EXTRA_CA_CERTS. */
	ca: string;
	key: string;
	cert: string;
}

/** A certificate authority and a certificate for 127.0.0.1 signed by it, made for this run. */
export function makeCertificates(): PushTls {
	const dir = mkdtempSync(join(tmpdir(), "hashzap-push-tls-"));
	const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
	writeFileSync(join(dir, "push.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
	const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
	run("req", "-x509", ...newKey, "-days", "1", "-subj", "/CN=Hashzap test CA", "-keyout", "ca.key", "-out", "ca.pem");
	run("req", ...newKey, "-subj", "/CN=127.0.0.1", "-keyout", "push.key", "-out", "push.csr");
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

/** Serves `service` over HTTPS on `port`; resolves with its origin and a way to close it. */
export async function startPushServer(service: PushService, tls: PushTls, port: number) {
	const origin = `https://127.0.0.1:${port}`;
	const server = createServer({ key: tls.key, cert: tls.cert }, async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const headers = new Headers();
		for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
		const answer = await service.handle(
			new Request(`${origin}${req.url}`, {
				method: req.method,
				headers,
				body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
			}),
		);
		res.writeHead(answer.status, Object.fromEntries(answer.headers));
		res.end(Buffer.from(await answer.arrayBuffer()));
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, "127.0.0.1", resolve);
	});
	return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
