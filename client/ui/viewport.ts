/**
 * The height the page may use. `100dvh` follows the browser's own bars; with
 * an on-screen keyboard open, only the visual viewport says how much is left
 * (iOS Safari keeps the layout viewport full height under the keyboard), so
 * --viewport-height follows it and the chat fits above the keyboard.
 */
export function followVisualViewport(): void {
	const viewport = window.visualViewport;
	if (!viewport) return;
	const root = document.documentElement;
	const update = () => {
		// Pinch-zoomed, the visual viewport is smaller too, but the page should not shrink with it.
		if (Math.abs(viewport.scale - 1) > 0.01) return;
		root.style.setProperty("--viewport-height", `${viewport.height}px`);
		// The browser may scroll the page to show the focused field: keep the header in view instead.
		if (viewport.height < innerHeight) scrollTo(0, 0);
	};
	viewport.addEventListener("resize", update);
	update();
}
