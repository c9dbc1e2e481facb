/**
 * The controls only owners and moderators see (the member menu, Room
 * settings) load when this device has a role, so members never download them.
 */
import { effect, signal } from "@preact/signals";
import { myRole } from "../../session/moderation-state";

export const staffUi = signal<typeof import("./staff-tools") | null>(null);

/** Loads the tools as soon as this device has a role, now or later. Called once, as the chat starts (views/chat.ts). */
export function loadToolsWhenStaff(): void {
	effect(() => {
		if (myRole.value !== "member" && !staffUi.peek()) {
			void import("./staff-tools").then((tools) => {
				staffUi.value = tools;
			});
		}
	});
}
