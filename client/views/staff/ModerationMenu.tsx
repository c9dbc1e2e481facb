/**
 * The menu an owner or a moderator opens on a member (in the Online list,
 * or on a message's sender): exactly Mute, Kick and Ban. Mute and Ban ask
 * for how long; the room checks the caller's role and answers.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { BAN_HOURS, MUTE_MINUTES, type Target } from "../../../protocol";
import { moderate } from "../../session/moderation-state";

type Asking = "mute" | "ban" | null;

const MUTE_LABELS: Record<(typeof MUTE_MINUTES)[number], string> = { 5: "5 minutes", 60: "1 hour", 1440: "1 day" };
const BAN_LABELS: Record<(typeof BAN_HOURS)[number], string> = { 24: "1 day", 168: "1 week" };

export function ModerationMenu({ name, target }: { name: string; target: Target }) {
	const [open, setOpen] = useState(false);
	const [asking, setAsking] = useState<Asking>(null);
	const menu = useRef<HTMLDivElement>(null);
	const button = useRef<HTMLButtonElement>(null);

	useEffect(() => {
		if (open) menu.current?.querySelector("button")?.focus();
	}, [open]);

	const close = () => {
		setOpen(false);
		button.current?.focus();
	};
	const onKey = (e: KeyboardEvent) => {
		const items = [...(menu.current?.querySelectorAll("button") ?? [])];
		const at = items.indexOf(document.activeElement as HTMLButtonElement);
		if (e.key === "Escape") close();
		else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
			e.preventDefault();
			items[(at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]?.focus();
		}
	};
	const choose = (what: "mute" | "kick" | "ban") => {
		setOpen(false);
		if (what === "kick") moderate({ type: "kick", target });
		else setAsking(what);
	};

	return (
		<span class="mod-menu">
			<button
				ref={button}
				type="button"
				class="mod-trigger"
				aria-haspopup="menu"
				aria-expanded={open}
				aria-label={`Moderate ${name}`}
				onClick={() => setOpen(!open)}
			>
				⋯
			</button>
			{open && (
				<div ref={menu} role="menu" aria-label={`Moderate ${name}`} class="mod-items" onKeyDown={onKey}>
					{(["mute", "kick", "ban"] as const).map((what) => (
						<button key={what} type="button" role="menuitem" onClick={() => choose(what)}>
							{what === "mute" ? "Mute" : what === "kick" ? "Kick" : "Ban"}
						</button>
					))}
				</div>
			)}
			{asking && <HowLong what={asking} name={name} target={target} done={() => setAsking(null)} />}
		</span>
	);
}

/** How long to mute or ban for, in a small modal dialog. */
function HowLong({
	what,
	name,
	target,
	done,
}: {
	what: "mute" | "ban";
	name: string;
	target: Target;
	done: () => void;
}) {
	const ref = useRef<HTMLDialogElement>(null);
	const options =
		what === "mute"
			? MUTE_MINUTES.map((m) => ({ value: String(m), label: MUTE_LABELS[m] }))
			: [...BAN_HOURS.map((h) => ({ value: String(h), label: BAN_LABELS[h] })), { value: "", label: "Until lifted" }];
	const [choice, setChoice] = useState(options[0]?.value ?? "");
	useEffect(() => ref.current?.showModal(), []);

	const confirm = (e: Event) => {
		e.preventDefault();
		if (what === "mute") {
			moderate({ type: "mute", target, minutes: Number(choice) as (typeof MUTE_MINUTES)[number] });
		} else {
			moderate({ type: "ban", target, ...(choice && { hours: Number(choice) as (typeof BAN_HOURS)[number] }) });
		}
		ref.current?.close();
	};
	const title = `${what === "mute" ? "Mute" : "Ban"} ${name}`;
	return (
		<dialog ref={ref} class="join-dialog mod-dialog" aria-label={title} onClose={done}>
			<form onSubmit={confirm}>
				<h2>{title}</h2>
				<p>
					{what === "mute"
						? `${name} can read but not send.`
						: `${name} is sent out and refused on return: their device, and their address for a day.`}
				</p>
				<fieldset>
					<legend>For how long</legend>
					{options.map((o) => (
						<label key={o.value} class="choice">
							<input
								type="radio"
								name="how-long"
								value={o.value}
								checked={choice === o.value}
								onChange={() => setChoice(o.value)}
							/>
							{o.label}
						</label>
					))}
				</fieldset>
				<div class="dialog-actions">
					<button type="button" class="secondary" onClick={() => ref.current?.close()}>
						Cancel
					</button>
					<button type="submit" class="primary danger">
						{what === "mute" ? "Mute" : "Ban"}
					</button>
				</div>
			</form>
		</dialog>
	);
}
