/**
 * The latency chart, drawn as a hand-written SVG (no chart library): p50 and
 * p99 delivery latency against clients in the room, Hashzap and the floor,
 * on a log scale since the two can be orders of magnitude apart.
 */
import type { LatencyResult } from "../scenarios/latency.ts";
import type { TargetName } from "../targets.ts";
import { fmt } from "./results.ts";

const W = 640;
const H = 380;
const PAD = { left: 64, right: 170, top: 40, bottom: 52 };
const COLORS: Record<TargetName, string> = { hashzap: "#e8590c", direct: "#2f9e44", floor: "#1c7ed6" };
const LABELS: Record<TargetName, string> = { hashzap: "Hashzap", direct: "Hashzap, no proxy", floor: "floor" };

interface Series {
	label: string;
	color: string;
	dashed: boolean;
	points: { clients: number; ms: number }[];
}

export function latencyChart(results: LatencyResult[], names: readonly TargetName[], title: string): string {
	const series: Series[] = [];
	for (const target of names) {
		for (const [key, dashed] of [
			["p50Ms", false],
			["p99Ms", true],
		] as const) {
			series.push({
				label: `${LABELS[target]} ${key === "p50Ms" ? "p50" : "p99"}`,
				color: COLORS[target],
				dashed,
				points: results
					.map((r) => ({ clients: r.clients, ms: r.summary[target]?.[key] ?? Number.NaN }))
					.filter((p) => Number.isFinite(p.ms) && p.ms > 0),
			});
		}
	}
	const values = series.flatMap((s) => s.points.map((p) => p.ms));
	const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
	const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
	const clients = results.map((r) => r.clients);
	const plotW = W - PAD.left - PAD.right;
	const plotH = H - PAD.top - PAD.bottom;
	// Clients are few and far apart (100, 500): evenly spaced categories read better than a linear axis.
	const inset = 40;
	const x = (n: number) =>
		PAD.left +
		(clients.length === 1 ? plotW / 2 : inset + (clients.indexOf(n) / (clients.length - 1)) * (plotW - 2 * inset));
	const y = (ms: number) =>
		PAD.top + plotH - ((Math.log10(ms) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;

	const out: string[] = [];
	out.push(
		`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
		`<rect width="${W}" height="${H}" fill="#fff"/>`,
		`<text x="${PAD.left}" y="22" font-size="14" font-weight="600">${escapeXml(title)}</text>`,
	);
	for (let v = lo; v <= hi * 1.0001; v *= 10) {
		out.push(
			`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
			`<text x="${PAD.left - 8}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
		);
	}
	for (const n of clients) {
		out.push(`<text x="${x(n)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${n}</text>`);
	}
	out.push(
		`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#888"/>`,
		`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#888"/>`,
		`<text x="${PAD.left + plotW / 2}" y="${H - 12}" text-anchor="middle">clients in the room</text>`,
		`<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">send → receive latency, ms (log)</text>`,
	);
	series.forEach((s, i) => {
		const dash = s.dashed ? ' stroke-dasharray="6 4"' : "";
		const path = s.points.map((p) => `${x(p.clients).toFixed(1)},${y(p.ms).toFixed(1)}`).join(" ");
		out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
		for (const p of s.points) {
			out.push(
				`<circle cx="${x(p.clients).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="3.5" fill="${s.color}"><title>${escapeXml(s.label)}, ${p.clients} clients: ${fmt(p.ms)} ms</title></circle>`,
			);
		}
		const ly = PAD.top + 10 + i * 22;
		const lx = PAD.left + plotW + 20;
		out.push(
			`<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
			`<text x="${lx + 36}" y="${ly + 4}">${escapeXml(s.label)}</text>`,
		);
	});
	out.push("</svg>");
	return `${out.join("\n")}\n`;
}

function escapeXml(text: string): string {
	return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
