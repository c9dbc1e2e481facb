/**
 * A page's WebSocket with the test in the middle (Playwright's
 * routeWebSocket): every frame both ways is recorded, and the test can hold
 * back the page's sends, drop a frame on its way to the page, or rewrite
 * what the page sends. (To cut the network, see half-open-proxy.ts.)
 */
import type { Page } from "playwright-core";
import type { ServerMessage } from "../../protocol";

export interface Wire {
	/** Text frames the page sent, as the room got them, in order. */
	readonly toRoom: string[];
	/** Frames the room sent, parsed (pongs left out), in order, dropped ones included. */
	readonly toPage: ServerMessage[];
	/** Holds back the page's frames of these types (its `send` frames unless told) until release(). */
	holdSends(types?: string[]): void;
	/** How many frames are held back now. */
	held(): number;
	/** Lets every held frame go, in order, and holds no more. */
	release(): void;
	/** Drops the next frame from the room for which `match` holds. */
	dropNext(match: (frame: ServerMessage) => boolean): void;
	/** Rewrites the page's frames from now on. */
	rewrite(edit: (frame: string) => string): void;
	/** Connections the page has opened that reached the room. */
	connections(): number;
}

export async function controlWire(page: Page): Promise<Wire> {
	const toRoom: string[] = [];
	const toPage: ServerMessage[] = [];
	let holding: string[] = [];
	let held: (() => void)[] = [];
	const drops: ((frame: ServerMessage) => boolean)[] = [];
	let edit = (frame: string) => frame;
	let reached = 0;

	await page.routeWebSocket(/\/api\/rooms\/[^/]+\/websocket/, (ws) => {
		const server = ws.connectToServer();
		reached += 1;
		ws.onMessage((message) => {
			const frame = edit(String(message));
			const forward = () => {
				toRoom.push(frame);
				server.send(frame);
			};
			if (holding.some((type) => frame.startsWith(`{"type":"${type}"`))) held.push(forward);
			else forward();
		});
		server.onMessage((message) => {
			const text = String(message);
			if (text !== "pong") {
				const frame = JSON.parse(text) as ServerMessage;
				toPage.push(frame);
				const drop = drops.findIndex((match) => match(frame));
				if (drop !== -1) {
					drops.splice(drop, 1);
					return;
				}
			}
			ws.send(text);
		});
	});

	return {
		toRoom,
		toPage,
		holdSends(types = ["send"]) {
			holding = types;
		},
		held: () => held.length,
		release() {
			holding = [];
			for (const forward of held) forward();
			held = [];
		},
		dropNext(match) {
			drops.push(match);
		},
		rewrite(next) {
			edit = next;
		},
		connections: () => reached,
	};
}
