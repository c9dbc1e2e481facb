/**
 * The tab's title counts unread lines while the tab is hidden, mentions
 * marked apart: `(2 • @) Hashzap`. First-screen code (App sets the title),
 * so it holds only the counts and the words; the chat chunk counts
 * (session/notifications.ts) and draws the count on the favicon (session/favicon-badge.ts),
 * as there is nothing unread before a room is open.
 */
import { signal } from "@preact/signals";

/** Unread lines that mention the user, of the `unread` ones (app-store.ts). */
export const unreadMentions = signal(0);

/**
 * The tab's title with the unread count, mentions marked apart.
 * @example tabTitle("Hashzap", 2, 1) // "(2 • @) Hashzap"
 */
export function tabTitle(base: string, count: number, mentions: number): string {
	if (count === 0) return base;
	return `(${count}${mentions > 0 ? " • @" : ""}) ${base}`;
}
