/**
 * The tab's title and favicon count unread lines while the tab is hidden,
 * mentions marked apart: `(2 • @) Hashzap`. First-screen code (App sets the
 * title), so it holds only the counts and the drawing; the chat chunk
 * counts (notifications.ts).
 */
import { signal } from "@preact/signals";

/** Unread lines that mention the user, of the `unread` ones (app-store). */
export const unreadMentions = signal(0);

/**
 * The tab's title with the unread count, mentions marked apart.
 * @example tabTitle("Hashzap", 2, 1) // "(2 • @) Hashzap"
 */
export function tabTitle(base: string, count: number, mentions: number): string {
	if (count === 0) return base;
	return `(${count}${mentions > 0 ? " • @" : ""}) ${base}`;
}

let plainIcon: string | null = null;

/** Draws the unread count on the favicon (a canvas, as a data: URL the CSP allows for images); none restores it. */
export function badgeFavicon(count: number, mentions: number): void {
	const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
	if (!link) return;
	plainIcon ??= link.getAttribute("href") ?? "/favicon.svg";
	if (count === 0) {
		if (link.getAttribute("href") !== plainIcon) link.href = plainIcon;
		return;
	}
	const canvas = document.createElement("canvas");
	canvas.width = canvas.height = 64;
	const g = canvas.getContext("2d");
	if (!g) return;
	g.fillStyle = "#0f766e";
	g.beginPath();
	g.roundRect(0, 0, 64, 64, 14);
	g.fill();
	g.fillStyle = "#ffffff";
	g.font = "bold 40px system-ui, sans-serif";
	g.textAlign = "center";
	g.textBaseline = "middle";
	g.fillText("#", 22, 34);
	g.fillStyle = mentions > 0 ? "#e0a800" : "#d92d20";
	g.beginPath();
	g.arc(44, 20, 20, 0, Math.PI * 2);
	g.fill();
	g.fillStyle = "#ffffff";
	g.font = "bold 26px system-ui, sans-serif";
	g.fillText(mentions > 0 ? "@" : count > 9 ? "9+" : String(count), 44, 21);
	link.href = canvas.toDataURL("image/png");
}
