/**
 * What the page's modal dialogs with a form do alike (the Welcome dialog on
 * the first screen, Name this room in the chat): a small part with no state,
 * so that neither dialog imports the other.
 */

/** Tab and Shift+Tab cycle within a dialog instead of leaving it for the browser's own controls. */
export function trapFocus(event: KeyboardEvent) {
	if (event.key !== "Tab") return;
	const dialog = event.currentTarget as HTMLDialogElement;
	const focusable = [...dialog.querySelectorAll<HTMLElement>("input, button:not([disabled])")];
	const first = focusable[0];
	const last = focusable.at(-1);
	if (event.shiftKey && document.activeElement === first) {
		event.preventDefault();
		last?.focus();
	} else if (!event.shiftKey && document.activeElement === last) {
		event.preventDefault();
		first?.focus();
	}
}
