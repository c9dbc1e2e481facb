/**
 * The client's ReconnectingSocket on fake timers, against a fake WebSocket
 * the test drives (open, frames, close, or silence): the backoff and its
 * jitter, the connect timeout, the heartbeat, and the immediate retry when
 * the browser says the network is back or the tab is visible again. A real
 * half-open connection is test/e2e/heartbeat.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ReconnectingSocket, retryDelay } from "../client/net/reconnecting-socket";
import { HEARTBEAT, RECONNECT } from "../protocol";

/** A WebSocket whose network is the test: nothing happens unless the test says so. */
class FakeSocket {
	static readonly CONNECTING = 0;
	static readonly OPEN = 1;
	static readonly CLOSING = 2;
	static readonly CLOSED = 3;
	static made: FakeSocket[] = [];
	readyState = FakeSocket.CONNECTING;
	readonly sent: string[] = [];
	closeCalls = 0;
	onopen: (() => void) | null = null;
	onmessage: ((event: { data: unknown }) => void) | null = null;
	onclose: (() => void) | null = null;

	constructor(readonly url: string) {
		FakeSocket.made.push(this);
	}

	send(data: string) {
		this.sent.push(data);
	}

	/** Like a browser on a dead network: the close handshake starts and never ends. */
	close() {
		this.closeCalls += 1;
		if (this.readyState !== FakeSocket.CLOSED) this.readyState = FakeSocket.CLOSING;
	}

	opens() {
		this.readyState = FakeSocket.OPEN;
		this.onopen?.();
	}

	receives(data: string) {
		this.onmessage?.({ data });
	}

	closes() {
		this.readyState = FakeSocket.CLOSED;
		this.onclose?.();
	}
}

/** The window and document events the socket listens to. */
const listeners = new Map<string, (() => void)[]>();
const fire = (type: string) => {
	for (const listener of listeners.get(type) ?? []) listener();
};
const listen = (type: string, listener: () => void) => listeners.set(type, [...(listeners.get(type) ?? []), listener]);
const page = { hidden: false, addEventListener: listen };

let random = 1;
const latest = () => FakeSocket.made.at(-1) as FakeSocket;

function connect() {
	const events = { opens: 0, closes: 0, messages: [] as string[] };
	const socket = new ReconnectingSocket("ws://chat.test/api/rooms/lobby/websocket", {
		open: () => {
			events.opens += 1;
		},
		message: (data) => events.messages.push(data),
		close: () => {
			events.closes += 1;
		},
	});
	return { socket, events };
}

beforeEach(() => {
	vi.useFakeTimers();
	FakeSocket.made = [];
	listeners.clear();
	page.hidden = false;
	random = 1;
	vi.stubGlobal("WebSocket", FakeSocket);
	vi.stubGlobal("document", page);
	vi.stubGlobal("addEventListener", listen);
	vi.spyOn(Math, "random").mockImplementation(() => random);
});

afterEach(() => {
	vi.useRealTimers();
	vi.unstubAllGlobals();
	vi.restoreAllMocks();
});

describe("ReconnectingSocket", () => {
	it("backs off exponentially, drawing each wait below a growing cap (full jitter), up to 10 s", () => {
		expect(retryDelay(1, RECONNECT, () => 1)).toBe(500);
		expect(retryDelay(2, RECONNECT, () => 1)).toBe(900);
		expect(retryDelay(3, RECONNECT, () => 0.5)).toBeCloseTo(810);
		expect(retryDelay(20, RECONNECT, () => 1)).toBe(RECONNECT.maxMs);
		expect(retryDelay(20, RECONNECT, () => 0)).toBe(0);

		connect();
		const caps = [500, 900, 1620, 2916, 5248.8, 9447.84, 10_000, 10_000];
		for (const [i, cap] of caps.entries()) {
			random = i % 2 === 0 ? 1 : 0.5;
			const wait = cap * random;
			latest().closes();
			const made = FakeSocket.made.length;
			vi.advanceTimersByTime(Math.floor(wait) - 1);
			expect(FakeSocket.made.length, `retry ${i + 1} not before ${wait} ms`).toBe(made);
			vi.advanceTimersByTime(1);
			expect(FakeSocket.made.length, `retry ${i + 1} at ${wait} ms`).toBe(made + 1);
		}
	});

	it("starts the backoff again after a connection that stayed up", () => {
		connect();
		for (let i = 0; i < 5; i++) {
			latest().closes();
			vi.runOnlyPendingTimers();
		}
		latest().opens();
		vi.advanceTimersByTime(6000);
		latest().receives("{}");
		latest().closes();
		const made = FakeSocket.made.length;
		vi.advanceTimersByTime(RECONNECT.minMs);
		expect(FakeSocket.made.length).toBe(made + 1);
	});

	it("gives up on a connection that does not open within the connect timeout, and tries again", () => {
		const { events } = connect();
		const first = latest();
		vi.advanceTimersByTime(RECONNECT.connectTimeoutMs - 1);
		expect(first.closeCalls).toBe(0);
		vi.advanceTimersByTime(1);
		expect(first.closeCalls).toBe(1);
		expect(events.closes).toBe(1);
		vi.advanceTimersByTime(RECONNECT.minMs);
		expect(FakeSocket.made).toHaveLength(2);
		// The abandoned socket opening late changes nothing.
		first.opens();
		expect(events.opens).toBe(0);
	});

	it("pings a quiet connection and counts it dead when nothing answers: reconnecting within 30 s, without waiting for a close", () => {
		const { events } = connect();
		const ws = latest();
		ws.opens();
		vi.advanceTimersByTime(HEARTBEAT.quietMs - 1);
		expect(ws.sent).toEqual([]);
		vi.advanceTimersByTime(1);
		expect(ws.sent).toEqual([HEARTBEAT.ping]);
		vi.advanceTimersByTime(HEARTBEAT.timeoutMs - 1);
		expect(events.closes).toBe(0);
		vi.advanceTimersByTime(1);
		// Silent for quietMs + timeoutMs = 30 s: dead. Closed, but its close event (which may never come) is not awaited.
		expect(HEARTBEAT.quietMs + HEARTBEAT.timeoutMs).toBeLessThanOrEqual(30_000);
		expect(events.closes).toBe(1);
		expect(ws.closeCalls).toBe(1);
		vi.advanceTimersByTime(RECONNECT.minMs);
		expect(FakeSocket.made).toHaveLength(2);
	});

	it("takes any frame as proof of life: pong is swallowed, and an older room's bad_json answer passes on", () => {
		const { events } = connect();
		const ws = latest();
		ws.opens();
		vi.advanceTimersByTime(HEARTBEAT.quietMs);
		ws.receives(HEARTBEAT.pong);
		vi.advanceTimersByTime(HEARTBEAT.quietMs);
		expect(ws.sent).toEqual([HEARTBEAT.ping, HEARTBEAT.ping]);
		const badJson = JSON.stringify({ type: "error", code: "bad_json", reason: "Frame is not valid JSON" });
		ws.receives(badJson);
		vi.advanceTimersByTime(HEARTBEAT.timeoutMs);
		expect(events.closes).toBe(0);
		expect(events.messages).toEqual([badJson]);
	});

	it("does not ping a connection that keeps carrying frames", () => {
		connect();
		const ws = latest();
		ws.opens();
		for (let t = 0; t < 120_000; t += 5000) {
			vi.advanceTimersByTime(5000);
			ws.receives('{"type":"typing","name":"Bruno"}');
		}
		expect(ws.sent).toEqual([]);
	});

	it("tries at once when the network comes back or the tab is shown again, not when it is hidden", () => {
		connect();
		latest().closes();
		random = 1;
		// A long wait ahead…
		for (let i = 0; i < 6; i++) {
			vi.runOnlyPendingTimers();
			latest().closes();
		}
		const made = FakeSocket.made.length;
		fire("online");
		expect(FakeSocket.made.length).toBe(made + 1);
		latest().closes();
		page.hidden = true;
		fire("visibilitychange");
		expect(FakeSocket.made.length).toBe(made + 1);
		page.hidden = false;
		fire("visibilitychange");
		expect(FakeSocket.made.length).toBe(made + 2);
	});

	it("asks a live connection at once whether it still carries when the network changes", () => {
		const { events } = connect();
		const ws = latest();
		ws.opens();
		vi.advanceTimersByTime(1000);
		fire("online");
		expect(ws.sent).toEqual([HEARTBEAT.ping]);
		// Unanswered, it is found dead at the first check after the timeout.
		vi.advanceTimersByTime(HEARTBEAT.timeoutMs - 1);
		expect(events.closes).toBe(0);
		vi.advanceTimersByTime(HEARTBEAT.checkMs + 1);
		expect(events.closes).toBe(1);
	});

	it("stays shut once closed by its owner", () => {
		const { socket, events } = connect();
		latest().opens();
		socket.close();
		latest().closes();
		vi.advanceTimersByTime(60_000);
		fire("online");
		expect(FakeSocket.made).toHaveLength(1);
		expect(events.closes).toBe(1);
	});
});
