/**
 * Names people can't fake: two names that look the same are the same name
 * (UTS #39 confusable skeletons, as well as NFKC and case), and names that
 * mix look-alike scripts are refused.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseClientFrame } from "../protocol";
import { newRoom, TestClient } from "./ws-client";

/** Tries to join as `name` from another device; resolves with the room's answer. */
async function tryName(room: string, name: string) {
	const other = await TestClient.open(room);
	other.send({ type: "join", name, user: `other-${crypto.randomUUID()}` });
	const answer = await Promise.race([other.waitFor("welcome"), other.waitFor("error")]);
	other.close();
	return answer;
}

describe("look-alike names", () => {
	it("refuses a name that looks like one in the room, whatever the script of its letters", async () => {
		const room = newRoom();
		for (const held of ["Ana", "Kate", "Poca", "Anal", "Kim", "Ana0"]) await TestClient.join(room, held);
		const lookAlikes = [
			"ΑΝΑ", // Greek capitals Alpha, Nu, Alpha
			"КАТЕ", // Cyrillic capitals К, А, Т, Е
			"Роса", // Cyrillic Р, о, с, а
			"AnaI", // a capital I for the l
			"Ana1", // a digit 1 for the l
			"Kirn", // r and n for the m
			"AnaO", // a capital O for the zero
			"anao", // and, as names compare case-insensitively, its small form
			"𝐀𝐧𝐚", // mathematical bold, which NFKC folds
		];
		for (const name of lookAlikes) {
			const answer = await tryName(room, name);
			expect(answer, name).toMatchObject({ type: "error", code: "name_taken" });
		}
	});

	it("still lets in names that only resemble each other", async () => {
		const room = newRoom();
		await TestClient.join(room, "Ana");
		for (const name of ["Anna", "Ann", "Ane", "Анна", "Ωμέγα", "Ana 李"]) {
			expect(await tryName(room, name), name).toMatchObject({ type: "welcome" });
		}
	});

	it("refuses a name that mixes Latin, Greek or Cyrillic letters, with a message that says so", async () => {
		const room = newRoom();
		// "Аna" with a Cyrillic А, "Ana" with a Greek alpha, Cyrillic with a Greek omega.
		for (const name of ["Аna", "Anα", "Бορис"]) {
			const answer = await tryName(room, name);
			expect(answer, name).toMatchObject({
				type: "error",
				code: "invalid_name",
				reason: "A name cannot mix Latin, Greek and Cyrillic letters, which look alike: write it in one of them",
			});
		}
		// The schema the page uses says the same before anything is sent.
		expect(parseClientFrame(JSON.stringify({ type: "join", name: "Аna", user: "user-1234" }))).toMatchObject({
			ok: false,
			code: "invalid_name",
		});
	});

	it("keeps a look-alike name refused across a restart", async () => {
		const room = newRoom();
		const { client: ana } = await TestClient.join(room, "Ana");
		await evictDurableObject(env.CHAT_ROOM.getByName(room), { webSockets: "close" });
		await ana.closed;
		expect(await tryName(room, "ΑΝΑ")).toMatchObject({ type: "error", code: "name_taken" });
	});

	it("gives members stored before look-alike keys existed the new keys when the room wakes", async () => {
		const room = newRoom();
		const stub = env.CHAT_ROOM.getByName(room);
		const { client: ana } = await TestClient.join(room, "Ana");
		// As an older release stored her: the plain NFKC-and-case key, no look key.
		await runInDurableObject(stub, (_i, state) => {
			state.storage.sql.exec("UPDATE members SET name_key = 'ana', look_key = NULL");
		});
		await evictDurableObject(stub, { webSockets: "close" });
		await ana.closed;
		expect(await tryName(room, "ΑΝΑ")).toMatchObject({ type: "error", code: "name_taken" });
		const keys = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql.exec<{ look_key: string | null }>("SELECT look_key FROM members").toArray(),
		);
		expect(keys).toEqual([{ look_key: "ana" }]);
	});
});
