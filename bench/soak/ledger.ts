/**
 * The drill's books: every message written (by any client), every ack, and
 * at the end, from what each client holds, what was delivered, lost and
 * doubled, per room and in total.
 *
 * - Every message written must reach every client of its room exactly once
 *   (every client is in its room at the end): a delivery is a (client,
 *   message) pair, so expected = written × clients in the room.
 * - Lost: an expected delivery missing.
 * - Doubled: a message seen under two or more seqs, by anyone (two clients
 *   may each hold it once, under different seqs) or in its acks; a doubled
 *   delivery is one client holding a message under two seqs. A line that
 *   comes again under a seq already held is a repeat, dropped by the client
 *   as the page drops it: counted, not doubled.
 * - Conflicts: two different lines under one seq (the room reused a seq).
 * - Unacked: written and never acked by the end (the outbox resends, so 0);
 *   refused: an error for its id (the page marks it "Not sent").
 */
import type { SoakClient } from "./client.ts";

interface Written {
	id: string;
	room: string;
	client: number;
	name: string;
	/** ms since the run's start. */
	at: number;
	acks: Set<number>;
	refused?: string;
}

export interface RoomTally {
	room: string;
	clients: number;
	written: number;
	acked: number;
	unacked: number;
	refused: number;
	expected: number;
	delivered: number;
	lost: number;
	/** Messages seen under two or more seqs. */
	doubled: number;
	/** (client, message) pairs held under two or more seqs. */
	doubledDeliveries: number;
	conflicts: number;
	/** Lines that came again under a seq held, dropped by the clients. */
	repeats: number;
	/** The room's newest seq that its clients hold. */
	lastSeq: number;
}

export interface Offence {
	kind: "lost" | "doubled" | "unacked" | "refused" | "conflict";
	room: string;
	text: string;
}

export class Ledger {
	readonly #written = new Map<string, Written>();
	readonly problems: string[] = [];
	readonly #started = Date.now();

	created(id: string, client: SoakClient): void {
		this.#written.set(id, {
			id,
			room: client.room,
			client: client.index,
			name: client.name,
			at: Date.now() - this.#started,
			acks: new Set(),
		});
	}

	acked(id: string, seq: number): void {
		const w = this.#written.get(id);
		if (w) w.acks.add(seq);
		else this.problem(`an ack for ${id}, which no client wrote`);
	}

	refused(id: string, why: string): void {
		const w = this.#written.get(id);
		if (w) w.refused = why;
	}

	problem(text: string): void {
		// Bounded: a problem that repeats every second must not fill the memory of a long run.
		if (this.problems.length < 1000) this.problems.push(text);
	}

	/** The tally of every room, from what the clients hold now, and the offending messages. */
	tally(clients: readonly SoakClient[]): { rooms: RoomTally[]; total: RoomTally; offences: Offence[] } {
		const offences: Offence[] = [];
		const rooms = [...new Set(clients.map((c) => c.room))].map((room) =>
			this.#tallyRoom(
				room,
				clients.filter((c) => c.room === room),
				offences,
			),
		);
		const total: RoomTally = {
			room: "total",
			clients: 0,
			written: 0,
			acked: 0,
			unacked: 0,
			refused: 0,
			expected: 0,
			delivered: 0,
			lost: 0,
			doubled: 0,
			doubledDeliveries: 0,
			conflicts: 0,
			repeats: 0,
			lastSeq: 0,
		};
		for (const r of rooms) {
			for (const key of Object.keys(total) as (keyof RoomTally)[]) {
				if (key !== "room" && key !== "lastSeq") total[key] += r[key];
			}
		}
		return { rooms, total, offences };
	}

	#tallyRoom(room: string, members: SoakClient[], offences: Offence[]): RoomTally {
		const written = [...this.#written.values()].filter((w) => w.room === room);
		const byName = new Map(members.map((c) => [c.index, c.name]));
		// Where each client holds each message: send id -> seqs, per client.
		const holdings = members.map((c) => {
			const seqsOf = new Map<string, number[]>();
			for (const [seq, id] of c.held) {
				if (id === "") continue;
				const seqs = seqsOf.get(id);
				if (seqs) seqs.push(seq);
				else seqsOf.set(id, [seq]);
			}
			return { client: c, seqsOf };
		});
		// The line each seq holds, as every client saw it: two different lines under one seq is a conflict.
		const lineAt = new Map<number, { id: string; by: string }>();
		let conflicts = 0;
		for (const c of members) {
			for (const text of c.conflicts) {
				conflicts++;
				offences.push({ kind: "conflict", room, text: `${c.name}: ${text}` });
			}
			for (const [seq, id] of c.held) {
				const first = lineAt.get(seq);
				if (!first) lineAt.set(seq, { id, by: c.name });
				else if (first.id !== id) {
					conflicts++;
					offences.push({
						kind: "conflict",
						room,
						text: `seq ${seq}: ${first.by} holds ${first.id || "a room line"}, ${c.name} holds ${id || "a room line"}`,
					});
				}
			}
		}
		const known = new Set(written.map((w) => w.id));
		for (const [, { id, by }] of lineAt) {
			if (id !== "" && !known.has(id)) this.problem(`${by} holds ${id} in ${room}, which no client of the room wrote`);
		}

		let delivered = 0;
		let doubled = 0;
		let doubledDeliveries = 0;
		let unacked = 0;
		let refused = 0;
		for (const w of written) {
			const seqs = new Set(w.acks);
			const missing: string[] = [];
			const twice: string[] = [];
			for (const { client, seqsOf } of holdings) {
				const held = seqsOf.get(w.id) ?? [];
				for (const s of held) seqs.add(s);
				if (held.length === 0) missing.push(client.name);
				else delivered++;
				if (held.length > 1) twice.push(`${client.name} (seqs ${held.join(", ")})`);
			}
			const what = `${w.id} by ${w.name} at ${(w.at / 1000).toFixed(1)} s, ${
				w.acks.size > 0 ? `acked as seq ${[...w.acks].join(", ")}` : "never acked"
			}`;
			if (w.refused !== undefined) {
				refused++;
				offences.push({ kind: "refused", room, text: `${what}: refused (${w.refused})` });
			} else if (w.acks.size === 0) {
				unacked++;
				offences.push({ kind: "unacked", room, text: `${what}: still in ${byName.get(w.client)}'s outbox` });
			}
			if (missing.length > 0) {
				offences.push({ kind: "lost", room, text: `${what}: missing at ${missing.join(", ")}` });
			}
			if (seqs.size > 1) {
				doubled++;
				offences.push({
					kind: "doubled",
					room,
					text: `${what}: seen under seqs ${[...seqs].sort((a, b) => a - b).join(", ")}${twice.length > 0 ? `; held twice by ${twice.join(", ")}` : ""}`,
				});
			}
			doubledDeliveries += twice.length;
		}
		const expected = written.length * members.length;
		return {
			room,
			clients: members.length,
			written: written.length,
			acked: written.filter((w) => w.acks.size > 0).length,
			unacked,
			refused,
			expected,
			delivered,
			lost: expected - delivered,
			doubled,
			doubledDeliveries,
			conflicts,
			repeats: members.reduce((n, c) => n + c.repeats, 0),
			lastSeq: Math.max(0, ...members.map((c) => c.lastSeq)),
		};
	}
}
