/**
 * The room's sockets: what each one carries through hibernation (its
 * attachment), which have joined, and how frames reach them: one socket, or
 * everyone, serialized once, with a tick's new lines batched in one frame.
 */
import { CHANGES_VERSION, type ChatMessage, forVersion, isChange, type Line, type ServerMessage } from "../../protocol";
import { forOldPage, linesForPage } from "./old-pages";
import type { Proof } from "./roles";
import { linesFor } from "./room-title";

/** Who a joined socket speaks for. */
export interface Joined {
	name: string;
	/**
	 * The key the room holds the name under, as members.name_key stores it: the
	 * look-alike key (nameKeys(name).key, name-keys.ts), so "Аna" with a
	 * Cyrillic А is Ana's. Not the protocol's nameKey(name), which says whom a
	 * name calls (mentions, pushes): named apart so that the two are never
	 * mixed again, as they were in #26.
	 */
	memberKey: string;
	/** The device key (the `user` of join): the same person in every tab. Never sent to anyone. */
	device: string;
}

/** What a socket carries through hibernation (its attachment). */
export interface Session {
	/** The client's address as rate limits count it (see addressKey). */
	ip: string;
	/** The protocol version the client said it speaks (1 if it said none). */
	version: number;
	joined?: Joined;
	/** Until a socket joins: the time by which it must, or be closed (idle-sockets.ts). */
	joinBy?: number;
	/** Closed by the room (1008, 1009, a kick, a ban): a client that ignores the close gets no say, even after hibernation. */
	shut?: true;
	/** A role a secret proved before the socket joined: given to its device on joining. */
	proof?: Proof;
}

/**
 * A session as its attachment holds it: Joined under the field names the
 * attachment has always had (`key`, `user`), because a socket accepted by
 * older code may wake under newer code, its attachment as it was written.
 */
type Attachment = Omit<Session, "joined"> & { joined?: { name: string; key: string; user: string } };

export class Connections {
	// Caches of the attachments; rebuilt lazily after hibernation.
	readonly #sessions = new Map<WebSocket, Session>();
	/** The sockets that have joined: what a broadcast walks, without asking the runtime for every socket. */
	#joined: Set<WebSocket> | undefined;
	/** The sockets that have neither joined nor been shut: all the join deadline ever looks at. */
	#waiting: Set<WebSocket> | undefined;
	/**
	 * Lines stored in this tick and not yet broadcast: sent together, one
	 * frame per socket. Each with what a page older than CHANGES_VERSION gets
	 * instead, if anything.
	 */
	#outbox: { line: Line; old: ChatMessage | undefined }[] = [];

	constructor(private readonly ctx: DurableObjectState) {}

	/** Accepts a new socket; the address is a tag, so counting an address's sockets reads no attachment. */
	accept(ws: WebSocket, session: Session): void {
		this.ctx.acceptWebSocket(ws, [session.ip]);
		this.save(ws, session);
	}

	/** Sockets from an address, closing ones included. */
	countFrom(ip: string): number {
		return this.ctx.getWebSockets(ip).length;
	}

	/** Open sockets from an address, not counting `closing`. */
	openFrom(ip: string, closing?: WebSocket): number {
		return this.ctx.getWebSockets(ip).filter((ws) => ws !== closing && ws.readyState === WebSocket.OPEN).length;
	}

	session(ws: WebSocket): Session {
		let session = this.#sessions.get(ws);
		if (!session) {
			session = fromAttachment(ws.deserializeAttachment() as Attachment);
			this.#sessions.set(ws, session);
		}
		return session;
	}

	/** Writes a socket's session to its attachment, where it survives hibernation. */
	save(ws: WebSocket, session: Session): void {
		ws.serializeAttachment(toAttachment(session));
		this.#sessions.set(ws, session);
		if (session.joined) this.joined().add(ws);
		else this.#joined?.delete(ws);
		if (session.joined || session.shut) this.#waiting?.delete(ws);
		else this.#waiting?.add(ws);
	}

	/** Forgets a socket that closed. */
	forget(ws: WebSocket): void {
		this.#sessions.delete(ws);
		this.#joined?.delete(ws);
		this.#waiting?.delete(ws);
	}

	joined(): Set<WebSocket> {
		this.#joined ??= new Set(this.ctx.getWebSockets().filter((ws) => this.session(ws).joined));
		return this.#joined;
	}

	/** The open sockets that have not joined yet. */
	waiting(): Set<WebSocket> {
		this.#waiting ??= new Set(
			this.ctx.getWebSockets().filter((ws) => {
				const session = this.session(ws);
				return !session.joined && !session.shut;
			}),
		);
		return this.#waiting;
	}

	/** Who the open, joined sockets speak for (one entry per socket). */
	present(except?: WebSocket): Joined[] {
		const present = [];
		for (const ws of this.joined()) {
			const who = ws !== except && ws.readyState === WebSocket.OPEN ? this.session(ws).joined : undefined;
			if (who) present.push(who);
		}
		return present;
	}

	/** The device keys with an open socket: devices the room need not push to. */
	presentDevices(): Set<string> {
		return new Set(this.present().map((who) => who.device));
	}

	/** The name keys (Joined.memberKey) of everyone with an open socket. */
	presentMemberKeys(): Set<string> {
		return new Set(this.present().map((who) => who.memberKey));
	}

	/** The joined sockets of one device. */
	socketsOf(device: string): WebSocket[] {
		return [...this.joined()].filter((ws) => this.session(ws).joined?.device === device);
	}

	/** Sends a frame as the socket's protocol version knows it (nothing, if it knows no such frame). */
	sendTo(ws: WebSocket, message: ServerMessage): void {
		const shaped = forVersion(message, this.session(ws).version);
		if (!shaped) return;
		try {
			ws.send(JSON.stringify(shaped));
		} catch {
			// The socket closed under us; its close handler cleans up.
		}
	}

	/**
	 * Serializes once per protocol version present (in practice once), then
	 * sends the same string to every joined socket of that version; `only`
	 * narrows who gets it.
	 */
	broadcast(message: ServerMessage, except?: WebSocket, only?: (session: Session) => boolean): void {
		const frames = new Map<number, string | null>();
		for (const ws of this.joined()) {
			if (ws === except) continue;
			const session = this.session(ws);
			if (only && !only(session)) continue;
			let frame = frames.get(session.version);
			if (frame === undefined) {
				const shaped = forVersion(message, session.version);
				frame = shaped ? JSON.stringify(shaped) : null;
				frames.set(session.version, frame);
			}
			if (frame !== null) send(ws, frame);
		}
	}

	/**
	 * Broadcasts a stored line at the end of this tick, with any others stored
	 * in it. The cost of a room is per frame sent (workerd's socket writes, not
	 * our JavaScript), so under load a batch saves a frame per socket per line;
	 * alone, a line goes out as soon as the event that stored it is done.
	 */
	publish(line: Line, old: ChatMessage | undefined = isChange(line) ? undefined : forOldPage(line)): void {
		this.#outbox.push({ line, old });
		if (this.#outbox.length === 1) setTimeout(() => this.flush(), 0);
	}

	/** Sends what `publish` holds now: before a socket's welcome, so that its stream begins there. */
	flush(): void {
		const batch = this.#outbox;
		if (batch.length === 0) return;
		this.#outbox = [];
		const lines = batch.map((b) => b.line);
		// Serialized once for each version of page here (in practice one): the lines as it knows them.
		const frames = new Map<number, string>();
		for (const ws of this.joined()) {
			const version = this.session(ws).version;
			let frame = frames.get(version);
			if (frame === undefined) {
				frame = linesFrame(
					version >= CHANGES_VERSION
						? linesForPage(version, lines)
						: linesFor(
								version,
								batch.flatMap((b) => (b.old ? [b.old] : [])),
							),
				);
				frames.set(version, frame);
			}
			if (frame !== "") send(ws, frame);
		}
	}
}

function toAttachment({ joined, ...rest }: Session): Attachment {
	return joined ? { ...rest, joined: { name: joined.name, key: joined.memberKey, user: joined.device } } : rest;
}

function fromAttachment({ joined, ...rest }: Attachment): Session {
	return joined ? { ...rest, joined: { name: joined.name, memberKey: joined.key, device: joined.user } } : rest;
}

/** One line as a `message` frame, several as `messages`, none as nothing (""). */
function linesFrame(lines: Line[]): string {
	const [only] = lines;
	if (!only) return "";
	return JSON.stringify(
		(lines.length === 1
			? { type: "message", message: only }
			: { type: "messages", messages: lines }) satisfies ServerMessage,
	);
}

function send(ws: WebSocket, frame: string): void {
	try {
		ws.send(frame);
	} catch {
		// closing; cleaned up by its close handler
	}
}
