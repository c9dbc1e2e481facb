/**
 * The room header's "Notifications" control: All messages, Mentions (the
 * default) or Off, for this room on this device, and whether notifications
 * may show a message's text. Choosing a level is the only thing that asks
 * the browser for permission.
 */
import { signal } from "@preact/signals";
import type { NotifyLevel } from "../../../protocol";
import { chooseLevel, choosePreview, notifyLevel, notifyPreview, permission } from "../../session/notifications";
import { send } from "../../session/outbound";
import { roomName } from "../../shell/app-store";
import "../attention.css";
import { HeaderIcon } from "../../ui/HeaderIcon";

const LEVELS: [NotifyLevel, string][] = [
	["all", "All messages"],
	["mentions", "Mentions"],
	["off", "Off"],
];

/** Why push could not be turned on, after the person's last choice; null when nothing stands in the way. */
const pushProblem = signal<string | null>(null);
let syncs = 0;

/** Keeps the device's push subscription in step with the setting; loaded only when used. The last choice's answer shows. */
async function syncPush(): Promise<void> {
	const mine = ++syncs;
	const { syncPushSubscription } = await import("../../session/push-subscription");
	const problem = await syncPushSubscription(notifyLevel.value, notifyPreview.value, send);
	if (mine === syncs) pushProblem.value = problem;
}

export function NotifyControl() {
	const name = roomName;
	return (
		<details class="notify">
			<summary>
				<HeaderIcon name="bell" />
				<span class="label">Notifications</span>
			</summary>
			<fieldset>
				<legend>Tell me about</legend>
				{LEVELS.map(([level, label]) => (
					<label key={level}>
						<input
							type="radio"
							name="notify-level"
							value={level}
							checked={notifyLevel.value === level}
							onChange={async () => {
								await chooseLevel(name, level);
								await syncPush();
							}}
						/>
						{label}
					</label>
				))}
				<label>
					<input
						type="checkbox"
						checked={notifyPreview.value}
						onChange={async (e) => {
							choosePreview(name, e.currentTarget.checked);
							await syncPush();
						}}
					/>
					Show message text
				</label>
				{permission.value === "default" && notifyLevel.value !== "off" && (
					<button
						type="button"
						class="secondary"
						onClick={async () => {
							await chooseLevel(name, notifyLevel.value);
							await syncPush();
						}}
					>
						Turn on notifications
					</button>
				)}
				{permission.value === "denied" && (
					<p class="hint" role="status">
						This browser blocks notifications for Hashzap; allow them in its site settings.
					</p>
				)}
				{pushProblem.value && (
					<p class="hint" role="alert">
						{pushProblem.value}
					</p>
				)}
			</fieldset>
		</details>
	);
}
