/**
 * The favicon with the tab's unread count drawn on it (a canvas, as a data:
 * URL the CSP allows for images), mentions marked apart; none restores it.
 * Part of the chat chunk: nothing is unread before a room is open, and the
 * first screen's budget is for the first screen.
 */
import { effect } from "@preact/signals";
import { unread } from "../shell/app-store";
import { unreadMentions } from "../shell/tab-badge";

let plainIcon: string | null = null;

/** Draws the unread count on the favicon; none restores the page's own. */
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

/** Keeps the favicon in step with the counts from now on (the chat chunk calls it once, as it loads). */
export function badgeUnread(): void {
	effect(() => badgeFavicon(unread.value, unreadMentions.value));
}
