/**
 * The audit log: every moderation action is stored in the room with who,
 * what, whom and when, readable by owners and moderators only, through
 * eviction; the room is told only of removals.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ServerMessage } from "../protocol";
import { newPrivateRoom, newSecret, next, TestClient } from "./ws-client";

describe("the audit log", () => {
	it("records who did what to whom and when, newest first, for owners and moderators", async () => {
		const room = newPrivateRoom();
		const started = Date.now();
		const ana = await TestClient.join(room, "Ana", { secret: newSecret() });
		ana.client.send({ type: "link", kind: "moderator" });
		const link = await ana.client.waitFor("link");
		const carla = await TestClient.join(room, "Carla", { secret: link.secret });
		const bruno = await TestClient.join(room, "Bruno");
		await TestClient.join(room, "Mallory");
		await TestClient.join(room, "Kid");

		bruno.client.send({ type: "send", id: "b1", text: "to be deleted" });
		const line = await carla.client.message("to be deleted");
		carla.client.send({ type: "delete", id: "d1", seq: line.seq });
		carla.client.send({ type: "mute", target: { name: "Bruno" }, minutes: 60 });
		carla.client.send({ type: "kick", target: { name: "Kid" } });
		await ana.client.message("Kid was removed by a moderator");
		ana.client.send({ type: "ban", target: { name: "Mallory" } });
		await carla.client.message("Mallory was removed by a moderator");
		carla.client.send({ type: "settings", slowMode: 10, locked: true });
		carla.client.send({ type: "clear_history" });
		await ana.client.message("The history was cleared by a moderator");
		ana.client.send({ type: "demote", name: "Carla" });
		await carla.client.waitFor("role");
		const answer = next(ana.client, "audit");
		ana.client.send({ type: "audit" });
		const { entries, hasMore } = await answer;
		expect(hasMore).toBe(false);
		const strip = entries.map(({ id: _id, at: _at, detail, ...rest }) => ({ ...rest, detail }));
		expect(strip).toEqual([
			{
				actor: "Ana",
				role: "owner",
				action: "revoke_moderator_link",
				target: "Carla",
				detail: "its moderator was banned or removed",
			},
			{ actor: "Ana", role: "owner", action: "demote", target: "Carla", detail: undefined },
			{ actor: "Carla", role: "moderator", action: "clear_history", detail: undefined },
			{ actor: "Carla", role: "moderator", action: "lock", detail: undefined },
			{ actor: "Carla", role: "moderator", action: "slow_mode", detail: "10 s" },
			{ actor: "Ana", role: "owner", action: "ban", target: "Mallory", detail: "until lifted" },
			{ actor: "Carla", role: "moderator", action: "kick", target: "Kid", detail: undefined },
			{
				actor: "Carla",
				role: "moderator",
				action: "mute",
				target: "Bruno",
				detail: expect.stringMatching(/^60 minutes, until /),
			},
			{ actor: "Carla", role: "moderator", action: "delete", target: "Bruno", detail: `message ${line.seq}` },
			{ actor: "Carla", role: "moderator", action: "claim_moderator", detail: "moderator link" },
			{ actor: "Ana", role: "owner", action: "moderator_link", detail: undefined },
			{ actor: "Ana", role: "owner", action: "claim_owner", detail: "registered" },
		]);
		for (const e of entries) {
			expect(e.at).toBeGreaterThanOrEqual(started);
			expect(e.at).toBeLessThanOrEqual(Date.now());
		}
		// Carla is a member now: the log is closed to her.
		carla.client.send({ type: "audit" });
		await carla.client.error("forbidden");
	});

	it("pages back through a long log and keeps it through eviction", async () => {
		const room = newPrivateRoom();
		const ana = await TestClient.join(room, "Ana", { secret: newSecret() });
		// 54 earlier changes, written straight into the log: the room would rate-limit a test that made them.
		await runInDurableObject(env.CHAT_ROOM.getByName(room), (_i, state) => {
			for (let i = 1; i <= 54; i++) {
				state.storage.sql.exec(
					"INSERT INTO audit_log (at, actor, role, action, detail) VALUES (?, 'Ana', 'owner', 'slow_mode', ?)",
					Date.now(),
					`${i} s`,
				);
			}
		});

		ana.client.send({ type: "audit" });
		const first = await ana.client.waitFor("audit");
		expect(first.entries).toHaveLength(50);
		expect(first.hasMore).toBe(true);
		const paging = next(ana.client, "audit");
		ana.client.send({ type: "audit", before: first.entries.at(-1)?.id });
		const second = await paging;
		expect(second.hasMore).toBe(false);
		expect(second.entries.map((e) => e.detail)).toEqual(["4 s", "3 s", "2 s", "1 s", "registered"]);

		// The log is in the room's storage: the same after eviction.
		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		const back = await TestClient.join(room, "Ana", { user: ana.user });
		back.client.send({ type: "audit" });
		expect(await back.client.waitFor("audit")).toEqual(first);
		const ids = [...first.entries, ...second.entries].map((e) => e.id);
		expect(ids).toEqual([...ids].sort((a, b) => b - a));
	});
});
