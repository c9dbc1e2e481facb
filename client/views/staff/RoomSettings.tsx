/**
 * Room settings, for owners and moderators: slow mode, the lock, clearing
 * the history, the current mutes and bans (each can be lifted), and for the
 * owner the moderators and the links; then the audit log. Every control
 * sends a frame; what is shown is what the room answered.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { AuditEntry } from "../../../protocol";
import { timeOf } from "../../model/format";
import { audit, freshLink, lists, loadAudit, moderate, myRole, settings } from "../../session/moderation-state";

const SLOW_MODES = [
	[0, "Off"],
	[5, "5 seconds"],
	[10, "10 seconds"],
	[30, "30 seconds"],
	[60, "1 minute"],
	[300, "5 minutes"],
] as const;

export function RoomSettings({ onClose }: { onClose: () => void }) {
	const ref = useRef<HTMLDialogElement>(null);
	const [clearing, setClearing] = useState(false);
	const [showLog, setShowLog] = useState(false);
	const owner = myRole.value === "owner";
	const { mutes, bans, moderators, moderatorLink } = lists.value;
	const link = freshLink.value;

	useEffect(() => {
		ref.current?.showModal();
		moderate({ type: "moderation" });
	}, []);

	return (
		<dialog ref={ref} class="join-dialog room-settings" aria-labelledby="settings-title" onClose={onClose}>
			<h2 id="settings-title">Room settings</h2>

			<label for="slow-mode">Slow mode</label>
			<select
				id="slow-mode"
				value={String(settings.value.slowMode)}
				onChange={(e) => moderate({ type: "settings", slowMode: Number(e.currentTarget.value) })}
			>
				{SLOW_MODES.map(([seconds, label]) => (
					<option key={seconds} value={String(seconds)}>
						{label}
					</option>
				))}
			</select>
			<p class="hint">One message per person every so often; owners and moderators are not slowed.</p>

			<label class="choice">
				<input
					type="checkbox"
					checked={settings.value.locked}
					onChange={(e) => moderate({ type: "settings", locked: e.currentTarget.checked })}
				/>
				Lock room
			</label>
			<p class="hint">Only people who have already been in the room may join.</p>

			{clearing ? (
				<p class="confirm">
					Delete every message in this room, for everyone?{" "}
					<button
						type="button"
						class="secondary danger"
						onClick={() => {
							moderate({ type: "clear_history" });
							setClearing(false);
						}}
					>
						Delete all messages
					</button>{" "}
					<button type="button" class="secondary" onClick={() => setClearing(false)}>
						Keep them
					</button>
				</p>
			) : (
				<button type="button" class="secondary" onClick={() => setClearing(true)}>
					Clear history
				</button>
			)}

			<h3>Muted</h3>
			<Restrictions items={mutes} empty="No one is muted." />
			<h3>Banned</h3>
			<Restrictions items={bans} empty="No one is banned." />

			{owner && (
				<>
					<h3>Moderators</h3>
					{moderators.length === 0 ? (
						<p class="hint">No moderators yet: give someone the moderator link.</p>
					) : (
						<ul class="plain-list">
							{moderators.map((name) => (
								<li key={name}>
									{name}{" "}
									<button type="button" class="link-button" onClick={() => moderate({ type: "demote", name })}>
										Remove {name} as moderator
									</button>
								</li>
							))}
						</ul>
					)}
					<h3>Links</h3>
					<p class="hint">
						Whoever opens the moderator link becomes a moderator. The owner link makes another device an owner. Each is
						shown once; a new one stops the old one working.
					</p>
					<div class="link-actions">
						<button type="button" class="secondary" onClick={() => moderate({ type: "link", kind: "moderator" })}>
							New moderator link
						</button>
						{moderatorLink && (
							<button
								type="button"
								class="secondary"
								onClick={() => moderate({ type: "link", kind: "moderator", revoke: true })}
							>
								Revoke moderator link
							</button>
						)}
						<button type="button" class="secondary" onClick={() => moderate({ type: "link", kind: "owner" })}>
							New owner link
						</button>
					</div>
					{link && <FreshLink kind={link.kind} url={link.url} />}
				</>
			)}

			<h3>Audit log</h3>
			{showLog ? (
				<AuditLog />
			) : (
				<button
					type="button"
					class="secondary"
					onClick={() => {
						setShowLog(true);
						loadAudit();
					}}
				>
					Show the audit log
				</button>
			)}

			<div class="dialog-actions">
				<button type="button" class="primary" onClick={() => ref.current?.close()}>
					Close
				</button>
			</div>
		</dialog>
	);
}

function Restrictions({ items, empty }: { items: typeof lists.value.mutes; empty: string }) {
	if (items.length === 0) return <p class="hint">{empty}</p>;
	return (
		<ul class="plain-list">
			{items.map((r) => (
				<li key={r.id}>
					{r.name}: {r.until === null ? "until lifted" : `until ${timeOf(r.until)}`}
					{r.addressUntil !== undefined && `, their address until ${timeOf(r.addressUntil)}`}{" "}
					<button type="button" class="link-button" onClick={() => moderate({ type: "lift", id: r.id })}>
						Lift for {r.name}
					</button>
				</li>
			))}
		</ul>
	);
}

/** A new link, shown once: the room keeps only its hash. */
function FreshLink({ kind, url }: { kind: "owner" | "moderator"; url: string }) {
	const [copied, setCopied] = useState(false);
	const label = kind === "owner" ? "Owner link" : "Moderator link";
	return (
		<div class="fresh-link">
			<label for="fresh-link">{label} (shown once: copy it now)</label>
			<input id="fresh-link" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
			<button
				type="button"
				class="secondary"
				onClick={async () => {
					try {
						await navigator.clipboard.writeText(url);
						setCopied(true);
					} catch {
						setCopied(false);
					}
				}}
			>
				{copied ? "Copied" : `Copy ${label.toLowerCase()}`}
			</button>
		</div>
	);
}

const ACTIONS: Record<AuditEntry["action"], string> = {
	mute: "muted",
	kick: "kicked",
	ban: "banned",
	lift_mute: "lifted the mute of",
	lift_ban: "lifted the ban of",
	delete: "deleted a message of",
	clear_history: "cleared the history",
	slow_mode: "set slow mode",
	lock: "locked the room",
	unlock: "unlocked the room",
	owner_link: "made a new owner link",
	moderator_link: "made a new moderator link",
	revoke_moderator_link: "revoked the moderator link",
	claim_owner: "became an owner",
	claim_moderator: "became a moderator",
	demote: "removed as moderator",
};

function AuditLog() {
	const { entries, hasMore } = audit.value;
	return (
		<>
			<ol class="audit-log">
				{entries.map((e) => (
					<li key={e.id}>
						<time dateTime={new Date(e.at).toISOString()}>{timeOf(e.at)}</time> {e.actor} ({e.role}) {ACTIONS[e.action]}
						{e.target ? ` ${e.target}` : ""}
						{e.detail ? `: ${e.detail}` : ""}
					</li>
				))}
			</ol>
			{hasMore && (
				<button type="button" class="secondary" onClick={() => loadAudit(true)}>
					Older entries
				</button>
			)}
		</>
	);
}
