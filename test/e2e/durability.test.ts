import { describe, expect, it } from "vitest";
import { joinedPage, messageTexts, seeMessage, send, skipBackoff } from "./chat-page";
import { ownApp, sharedBrowser } from "./harness";

// A server of its own: the test stops and starts it. The browser is the shared one.
const [app, browser] = await Promise.all([ownApp(), sharedBrowser()]);

describe("nothing lost, nothing doubled", () => {
	it("delivers a message sent while the server was down once to both, and a newcomer sees the whole history in order", async () => {
		const room = `durable-${Date.now()}`;
		const ana = await joinedPage(browser, `${app.url}/r/${room}`, "Ana", { clock: true });
		const bruno = await joinedPage(browser, `${app.url}/r/${room}`, "Bruno", { clock: true });
		await send(ana.page, "before the restart");
		await seeMessage(bruno.page, "Ana", "before the restart");

		// The pages have fetched their service worker (it registers once the chat opens): stopping the server during
		// that fetch is an error in the console, on a busy machine, that has nothing to do with this test.
		for (const p of [ana.page, bruno.page]) await p.evaluate(() => navigator.serviceWorker.ready.then(() => true));
		await app.stop();
		for (const p of [ana.page, bruno.page]) await p.getByRole("status").filter({ hasText: "Reconnecting…" }).waitFor();

		await send(ana.page, "sent while the server was down");
		await ana.page.locator("article.pending", { hasText: "sent while the server was down" }).waitFor();
		expect(await ana.page.locator("article.pending .state").textContent()).toBe("Sending…");

		await app.start();
		for (const p of [ana.page, bruno.page]) {
			await skipBackoff(p);
			await p.getByRole("status").filter({ hasText: "Connected" }).waitFor();
			await seeMessage(p, "Ana", "sent while the server was down");
		}
		await ana.page.locator("article.pending").waitFor({ state: "detached" });
		await send(bruno.page, "after the restart");
		const expected = ["before the restart", "sent while the server was down", "after the restart"];
		for (const p of [ana.page, bruno.page]) {
			await seeMessage(p, "Bruno", "after the restart");
			expect(await messageTexts(p)).toEqual(expected);
		}

		const carla = await joinedPage(browser, `${app.url}/r/${room}`, "Carla");
		await seeMessage(carla.page, "Bruno", "after the restart");
		expect(await messageTexts(carla.page)).toEqual(expected);
		const system = await carla.page.getByRole("log").locator(".system").allTextContents();
		// Ana and Bruno came in one after the other; the restart announced no one again.
		expect(system).toEqual(["Ana and Bruno joined", "Carla joined"]);

		const elsewhere = await joinedPage(browser, `${app.url}/r/${room}-other`, "Dora");
		await elsewhere.page.getByRole("log").locator(".system", { hasText: "Dora joined" }).waitFor();
		expect(await messageTexts(elsewhere.page)).toEqual([]);
		expect(await elsewhere.page.getByRole("log").locator(".system").allTextContents()).toEqual(["Dora joined"]);
		for (const p of [ana, bruno, carla, elsewhere])
			expect(p.problems.filter((e) => !e.includes("WebSocket"))).toEqual([]);
	});
});
