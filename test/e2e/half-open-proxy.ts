/**
 * A TCP proxy between the browser and the app that can go silent: on
 * freeze(), the connections it carries stop forwarding bytes both ways and
 * nothing is closed. Each side's TCP is still acknowledged by the proxy's
 * kernel, so neither notices, exactly like a network switch, a NAT that
 * forgot the connection, or a laptop that slept. New connections are
 * forwarded as usual: the network is back, by another way. It can also
 * cut(): every connection is closed, both ways, and new ones are refused
 * until allow(), as when a network goes away for all to see.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface HalfOpenProxy {
	port: number;
	/** Connections it has carried. */
	connections(): number;
	/** Every connection open now stops carrying bytes, without closing. */
	freeze(): void;
	/** Closes every connection and refuses new ones until allow(). */
	cut(): void;
	allow(): void;
	close(): Promise<void>;
}

/** Listens on `port` (0: any free one) and forwards to the app on `target`. */
export async function startHalfOpenProxy(target: number, port = 0): Promise<HalfOpenProxy> {
	const open = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
	let carried = 0;
	let refusing = false;
	const server: Server = createServer((client) => {
		if (refusing) {
			client.destroy();
			return;
		}
		carried += 1;
		const upstream = connect(target, "127.0.0.1");
		const link = { client, upstream, frozen: false };
		open.add(link);
		// Bytes are dropped, not buffered, once frozen: they never arrive, as on a dead path.
		client.on("data", (chunk) => link.frozen || upstream.write(chunk));
		upstream.on("data", (chunk) => link.frozen || client.write(chunk));
		const end = () => {
			open.delete(link);
			client.destroy();
			upstream.destroy();
		};
		client.on("close", () => link.frozen || end());
		upstream.on("close", () => link.frozen || end());
		client.on("error", () => {});
		upstream.on("error", () => {});
	});
	await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
	const address = server.address();
	return {
		port: typeof address === "object" && address ? address.port : 0,
		connections: () => carried,
		freeze() {
			for (const link of open) link.frozen = true;
		},
		cut() {
			refusing = true;
			for (const { client, upstream } of open) {
				client.destroy();
				upstream.destroy();
			}
			open.clear();
		},
		allow() {
			refusing = false;
		},
		async close() {
			for (const { client, upstream } of open) {
				client.destroy();
				upstream.destroy();
			}
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
