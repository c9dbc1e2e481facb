/**
 * People who talk in a room from Node (peers, test/e2e/peer.ts), so that a
 * browser test fills a room with a conversation in moments instead of typing
 * it; and a conversation of 24 lines for the README's screenshots.
 */
import type { ChatMessage } from "../../protocol";
import type { App } from "./app-server";
import { joinPeer, type Peer } from "./peer";

export class People {
	readonly #peers = new Map<string, Peer>();

	private constructor(
		readonly app: App,
		readonly room: string,
	) {}

	/** Joins each name to the room, one after another (so that their join lines come in this order). */
	static async join(app: App, room: string, names: string[]): Promise<People> {
		const people = new People(app, room);
		for (const name of names) await people.add(name);
		return people;
	}

	async add(name: string): Promise<void> {
		this.#peers.set(name, await joinPeer(this.app, this.room, name));
	}

	/** Says each line in order, as its speaker; resolves once the room has stored them all. */
	async say(...lines: [name: string, text: string][]): Promise<void> {
		for (const [name, text] of lines) await this.#peer(name).say(text);
	}

	/** Gives the room a display title, as its creator (the first to join it while it was empty). */
	title(name: string, text: string): Promise<void> {
		return this.#peer(name).title(text);
	}

	/** The room's lines as one person received them after their welcome, in order. */
	lines(name: string): ChatMessage[] {
		return this.#peer(name).lines();
	}

	/** Waits until one person has received a line that passes `test`. */
	seeLine(name: string, test: (line: ChatMessage) => boolean): Promise<ChatMessage> {
		return this.#peer(name).heard(test);
	}

	/** Closes one person's socket (the room says they left after the grace period), or everyone's. */
	close(name?: string): void {
		for (const [n, peer] of this.#peers) {
			if (name !== undefined && n !== name) continue;
			peer.close();
			this.#peers.delete(n);
		}
	}

	#peer(name: string): Peer {
		const peer = this.#peers.get(name);
		if (!peer) throw new Error(`${name} has not joined`);
		return peer;
	}
}

/**
 * A conversation of 24 lines among four people, for screenshots that show a
 * room in use; Ana is the one on screen. No emoji: the test machines' fonts
 * may have none, and the screenshots would show empty boxes.
 */
export const CONVERSATION: [name: string, text: string][] = [
	["Bruno", "Morning! Is everyone still up for the hike on Saturday?"],
	["Ana", "Yes! Which trail did we settle on?"],
	["Bruno", "The ridge loop. About 14 km, mostly shade."],
	["Bruno", "Map here: https://example.com/trails/ridge-loop"],
	["Dora", "I'm in. Can someone give me a lift? My car is in the shop"],
	["Ana", "I can, I pass by your street anyway"],
	["Dora", "You're the best"],
	["Bruno", "Let's meet at the north car park at 8:30"],
	["Ana", "8:30 works for me"],
	["Dora", "What should we bring?"],
	["Bruno", "Water (2 litres at least), lunch, a rain jacket just in case"],
	["Bruno", "and sun cream, the last part has no trees"],
	["Carla", "I'll bring the first aid kit"],
	["Dora", "I'll make sandwiches for everyone. Any allergies?"],
	["Ana", "No nuts for me please"],
	["Bruno", "Nothing here"],
	["Dora", "Noted: no nuts"],
	["Carla", "Forecast says 22° and sunny"],
	["Bruno", "Perfect. If it rains we go for the lake walk instead"],
	["Dora", "Can my sister come too? She's visiting this weekend"],
	["Bruno", "Of course, the more the merrier"],
	["Carla", "Yes! Tell her to bring good shoes,\nthe descent is steep"],
	["Dora", "Will do. See you Saturday!"],
	["Ana", "See you there!"],
];
