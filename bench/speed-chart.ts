/**
 * The benchmark's chart as a self-contained SVG: speedup over plain greedy
 * decoding per task (all layers, input lookup only, and the peer), with the
 * measured ceiling as a line; below it the ceiling curve K * t(1) / t(K).
 */
import type { CeilingPoint } from './batch-ceiling.js';

export interface ChartTask {
  id: string;
  all: number;
  lookup: number;
  peer: number;
}

const WIDTH = 1000;
const PLOT_LEFT = 60;
const PLOT_RIGHT = WIDTH - 20;
/** Bar plot between these y; task labels hang below it. */
const BARS_TOP = 72;
const BARS_BOTTOM = 330;
const BOTTOM_TOP = 490;
const BOTTOM_HEIGHT = 260;

export function speedChart(title: string, tasks: readonly ChartTask[], ceiling: readonly CeilingPoint[]): string {
  const parts: string[] = [];
  const bestCeiling = Math.max(1, ...ceiling.map((c) => c.speedup));
  const topMax = niceMax(Math.max(bestCeiling, 1, ...tasks.flatMap((t) => [t.all, t.lookup, t.peer])));
  const topY = (v: number) => BARS_TOP + (BARS_BOTTOM - BARS_TOP) * (1 - v / topMax);
  parts.push(text(WIDTH / 2, 22, title, 'middle', 15, 'bold'));
  parts.push(text(WIDTH / 2, 40, 'speedup over plain greedy decoding of the same verifier, per task (higher is better)', 'middle', 12));
  parts.push(...axis(topY, topMax, BARS_TOP, BARS_BOTTOM));
  const slot = (PLOT_RIGHT - PLOT_LEFT) / Math.max(1, tasks.length);
  tasks.forEach((t, i) => {
    const x = PLOT_LEFT + i * slot;
    const w = Math.max(1, slot / 4);
    parts.push(bar(x + slot * 0.1, w, topY(t.all), topY(0), '#1f77b4'));
    parts.push(bar(x + slot * 0.1 + w, w, topY(t.lookup), topY(0), '#9ecae1'));
    parts.push(bar(x + slot * 0.1 + 2 * w, w, topY(t.peer), topY(0), '#ff7f0e'));
    const lx = (x + slot / 2).toFixed(1);
    parts.push(`<text x="${lx}" y="${BARS_BOTTOM + 6}" font-size="8" text-anchor="end" transform="rotate(-60 ${lx} ${BARS_BOTTOM + 6})">${escape(t.id)}</text>`);
  });
  parts.push(hline(topY(1), '#444', '4 3'));
  parts.push(hline(topY(bestCeiling), '#d62728', '6 3'));
  parts.push(text(PLOT_RIGHT - 4, topY(bestCeiling) - 4, `ceiling ${bestCeiling.toFixed(2)}x`, 'end', 11, 'normal', '#d62728'));
  parts.push(legend(PLOT_LEFT + 10, 50, [['#1f77b4', 'specedit, all layers'], ['#9ecae1', 'specedit, input lookup only'], ['#ff7f0e', 'node-llama-cpp InputLookupTokenPredictor']]));

  const top = BOTTOM_TOP;
  const maxK = Math.max(2, ...ceiling.map((c) => c.k));
  const bottomMax = niceMax(bestCeiling);
  const bx = (k: number) => PLOT_LEFT + ((PLOT_RIGHT - PLOT_LEFT) * (k - 1)) / (maxK - 1);
  const by = (v: number) => top + 30 + (BOTTOM_HEIGHT - 60) * (1 - v / bottomMax);
  parts.push(text(WIDTH / 2, top + 14, 'ceiling: K x t(1) / t(K), the most exact speculation can gain with batches of K tokens', 'middle', 12));
  parts.push(...axis(by, bottomMax, top + 30, top + BOTTOM_HEIGHT - 30));
  for (const k of [1, 4, 8, 12, 16, 20, 24, 28, 32].filter((k) => k <= maxK)) parts.push(text(bx(k), top + BOTTOM_HEIGHT - 14, `K=${k}`, 'middle', 10));
  if (ceiling.length > 1) {
    const path = ceiling.map((c, i) => `${i === 0 ? 'M' : 'L'}${bx(c.k).toFixed(1)},${by(c.speedup).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="#d62728" stroke-width="2"/>`);
  }
  const height = top + BOTTOM_HEIGHT;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

function axis(y: (v: number) => number, max: number, top: number, bottom: number): string[] {
  const out = [`<line x1="${PLOT_LEFT}" y1="${top}" x2="${PLOT_LEFT}" y2="${bottom}" stroke="#000"/>`];
  const step = max <= 2 ? 0.25 : max <= 5 ? 0.5 : max <= 10 ? 1 : Math.ceil(max / 10);
  for (let v = 0; v <= max + 1e-9; v += step) {
    out.push(`<line x1="${PLOT_LEFT - 4}" y1="${y(v).toFixed(1)}" x2="${PLOT_RIGHT}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    out.push(text(PLOT_LEFT - 6, y(v) + 4, `${Number(v.toFixed(2))}x`, 'end', 10));
  }
  return out;
}

function niceMax(v: number): number {
  return v <= 2 ? Math.ceil(v * 4) / 4 : v <= 5 ? Math.ceil(v * 2) / 2 : Math.ceil(v);
}

function bar(x: number, w: number, y: number, base: number, color: string): string {
  return `<rect x="${x.toFixed(1)}" y="${Math.min(y, base).toFixed(1)}" width="${w.toFixed(1)}" height="${Math.abs(base - y).toFixed(1)}" fill="${color}"/>`;
}

function hline(y: number, color: string, dash: string): string {
  return `<line x1="${PLOT_LEFT}" y1="${y.toFixed(1)}" x2="${PLOT_RIGHT}" y2="${y.toFixed(1)}" stroke="${color}" stroke-dasharray="${dash}"/>`;
}

/** One row of colour keys. */
function legend(x: number, y: number, entries: [string, string][]): string {
  return entries.map(([color, label], i) => `<rect x="${x + i * 260}" y="${y}" width="10" height="10" fill="${color}"/>${text(x + i * 260 + 16, y + 9, label, 'start', 11)}`).join('');
}

function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end', size: number, weight = 'normal', color = '#000'): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}" font-weight="${weight}" fill="${color}" text-anchor="${anchor}">${escape(content)}</text>`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
