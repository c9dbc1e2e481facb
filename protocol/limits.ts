/**
 * The protocol's numbers: how long a name or a message may be, how large a
 * frame, how many lines a page holds; and what a room name looks like.
 */

export const LIMITS = {
	/** Characters (UTF-16 code units, as the browser's maxlength counts) in a name, after trimming. */
	nameMax: 32,
	/** Characters in a room's display title, after trimming. */
	titleMax: 60,
	/** Characters in a message, after trimming. */
	messageMax: 2000,
	/** Bytes in one frame from a client; a larger frame closes the socket with 1009. */
	frameBytes: 16 * 1024,
	/** Messages in the page a client gets on joining. */
	joinPage: 50,
	/** Most messages one history request may return. */
	pageMax: 100,
	/** Most missed lines (messages and changes) a reconnecting client resumes from; beyond it, it starts from the newest page. */
	resumeMax: 1000,
	/**
	 * Bytes of lines (their JSON array) in one welcome, history frame or
	 * history page: at most 256 KiB, however long the lines. A client gets
	 * the rest the way it fills any gap (sync, or the next page), so a resume
	 * of 1,000 long lines arrives whole, in several frames.
	 */
	replyBytes: 256 * 1024,
	/** Characters of the original a reply quotes. */
	quoteMax: 100,
	/** People who may react to one message with one emoji: what a message carries stays bounded. */
	reactorsMax: 100,
	/** Characters in a push subscription's endpoint URL (real ones are 150–500). */
	pushEndpointMax: 1024,
} as const;

/** Room names: what fits in a URL path segment without escaping. */
export const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_ROOM = "lobby";

export function isRoomName(room: string): boolean {
	return ROOM_NAME.test(room);
}

/**
 * The names "New private room" makes: 128 random bits, 22 characters of
 * base64url. The page says "A private room" for them; their creator may
 * register as owner.
 */
export function isPrivateRoomName(room: string): boolean {
	return /^[A-Za-z0-9_-]{22}$/.test(room);
}
