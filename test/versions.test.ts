import { describe, expect, it } from "vitest";
import { applyServerMessage, initialRoomState } from "../client/model/room-state";
import { PROTOCOL_VERSION, type ServerMessage } from "../protocol";
import { newRoom, TestClient } from "./ws-client";

describe("protocol versions (old and new code talk during a deploy)", () => {
	it("names the room, taken from the object itself, and its protocol version in the welcome", async () => {
		const room = newRoom();
		const client = await TestClient.open(room);
		client.send({ type: "join", name: "Ana", user: "user-versions-1" });
		expect(await client.waitFor("welcome")).toMatchObject({ room, version: PROTOCOL_VERSION, name: "Ana" });
	});

	it("lets a version 1 page, which says no version, join and chat as before", async () => {
		const room = newRoom();
		const old = await TestClient.open(room, { version: null });
		old.send({ type: "join", name: "Old", user: "user-versions-2" });
		await old.waitFor("welcome");
		old.send({ type: "send", id: "o1", text: "still here" });
		expect(await old.message("still here")).toMatchObject({ name: "Old", kind: "chat" });
	});

	it("answers a client frame type it does not know with unknown_type, and the socket stays usable", async () => {
		const { client } = await TestClient.join(newRoom(), "Ana");
		client.sendRaw(JSON.stringify({ type: "from_the_future", x: 1 }));
		await client.error("unknown_type");
		client.send({ type: "send", id: "after", text: "after" });
		await client.message("after");
	});

	it("lets a version 7 page, which names no pending ids, be refused a taken name and welcomed as before", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		ana.send({ type: "send", id: "v7-1", text: "stored" });
		await ana.waitFor("ack");
		const old = await TestClient.open(room, { version: 7 });
		old.send({ type: "join", name: "Ana", user: "user-versions-7" });
		const refused = await old.error("name_taken");
		expect(Object.keys(refused).sort()).toEqual(["code", "reason", "type"]);
		old.send({ type: "join", name: "Seven", user: "user-versions-7" });
		const welcome = await old.waitFor("welcome");
		expect(welcome).toMatchObject({ name: "Seven", version: PROTOCOL_VERSION });
		expect(welcome.stored).toBeUndefined();
		expect(welcome.messages.map((m) => m.kind === "chat" && m.text).filter(Boolean)).toEqual(["stored"]);
	});

	it("has the client ignore a server frame type it does not know", () => {
		const state = initialRoomState("lobby");
		const future = { type: "from_the_future", payload: 1 } as unknown as ServerMessage;
		expect(applyServerMessage(state, future, 0)).toBe(state);
	});
});
