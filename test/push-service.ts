/**
 * A push service for tests, on the test machine: it takes pushes as a real
 * one does (POST to a subscription's endpoint, 201 Created) and keeps them
 * for the test to read. An endpoint under `/gone/` answers 410 Gone and one
 * under `/missing/` 404, as a push service answers for a subscription it has
 * forgotten. An endpoint under `/slow/` takes the push and answers only
 * when the test says so (`POST /__answer<endpoint path>`, which says how
 * many it answered), as a push service that hangs does.
 * `GET /__received<endpoint path>` lists what one endpoint got.
 * It runs in Node: as the workers tests' outbound service, and as an HTTPS
 * server for the browser tests.
 */
import { b64url } from "./push-crypto";

export interface ReceivedPush {
	headers: Record<string, string>;
	/** The encrypted body, base64url. */
	body: string;
}

export class PushService {
	readonly received = new Map<string, ReceivedPush[]>();
	/** The slow endpoints' pushes not yet answered, by endpoint path. */
	readonly #waiting = new Map<string, (() => void)[]>();

	async handle(request: Request): Promise<Response> {
		const url = new URL(request.url);
		if (request.method === "GET" && url.pathname.startsWith("/__received/")) {
			return Response.json(this.received.get(url.pathname.slice("/__received".length)) ?? []);
		}
		if (request.method !== "POST") return new Response("Method not allowed", { status: 405 });
		if (url.pathname.startsWith("/__answer/")) {
			const path = url.pathname.slice("/__answer".length);
			const waiting = this.#waiting.get(path) ?? [];
			for (const answer of waiting) answer();
			this.#waiting.delete(path);
			return Response.json({ answered: waiting.length });
		}
		const body = new Uint8Array(await request.arrayBuffer());
		const list = this.received.get(url.pathname) ?? [];
		list.push({ headers: Object.fromEntries(request.headers), body: b64url.encode(body) });
		this.received.set(url.pathname, list);
		if (url.pathname.startsWith("/slow/")) {
			await new Promise<void>((answer) =>
				this.#waiting.set(url.pathname, [...(this.#waiting.get(url.pathname) ?? []), answer]),
			);
		}
		if (url.pathname.startsWith("/gone/")) return new Response(null, { status: 410 });
		if (url.pathname.startsWith("/missing/")) return new Response(null, { status: 404 });
		return new Response(null, { status: 201, headers: { Location: `${url.origin}/messages/${crypto.randomUUID()}` } });
	}
}
