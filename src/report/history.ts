/**
 * The size history: the last N default-branch builds, carried from image to image in the stored
 * size report (report/stored.ts), so the trend costs no storage and no read beyond the baseline's
 * manifest the run reads anyway. Pure: entries, the next history, the chart and its text line.
 */
import type { RunContext } from '../github/event.js';
import type { Attribution } from './attribution.js';
import { formatBytes } from '../format-bytes.js';
import { formatChange, formatPercent } from './size.js';

/** One build as the history keeps it. */
export interface HistoryEntry {
  /** The commit (12 hex digits); '' when unknown. */
  commit: string;
  /** The commit time, ISO 8601 (UTC); '' when unknown. */
  date: string;
  /** Compressed image size (config plus layers) per platform. */
  sizes: Record<string, number>;
  /** The Go binary's file size per platform, where known. */
  binaries?: Record<string, number>;
  /** Code bytes of the largest modules of the attributed platform's binary (see HISTORY_MODULES). */
  modules?: Record<string, number>;
}

/** The `history` input's default and upper bound: builds kept. */
export const DEFAULT_HISTORY = 30;
export const MAX_HISTORY = 100;
/** Modules kept per entry: enough to name what explains a jump, small enough for 30 entries. */
export const HISTORY_MODULES = 3;
const COMMIT_CHARS = 12;

/** What a run needs to know to show and extend the history. */
export interface HistorySettings {
  /** Builds kept (the `history` input); 0 keeps and shows none. */
  limit: number;
  /** Whether this build joins the stored history (a default-branch build, see recordsHistory). */
  records: boolean;
  /** Commit time, Unix seconds; 0 when unknown. */
  epoch: number;
}

/**
 * Only builds of the default branch join the history: a pull request's image is another image, and
 * a tag or another branch would put points on the line that the default branch never had. When the
 * event payload does not name the default branch, `main` is assumed (as for the baseline tag).
 */
export function recordsHistory(run: Pick<RunContext, 'ref' | 'defaultBranch' | 'pullRequest'>): boolean {
  return !run.pullRequest && run.ref === `refs/heads/${run.defaultBranch || 'main'}`;
}

/** This build as a history entry (pure). */
export function historyEntry(input: {
  commit: string;
  epoch: number;
  sizes: readonly { platform: string; compressed: number }[];
  binaries?: readonly { platform: string; size: number }[];
  attributed?: { platform: string; binarySize: number; current: Attribution };
}): HistoryEntry {
  const binaries: Record<string, number> = {};
  for (const binary of input.binaries ?? []) binaries[binary.platform] = binary.size;
  if (input.attributed && binaries[input.attributed.platform] === undefined) binaries[input.attributed.platform] = input.attributed.binarySize;
  const modules = input.attributed?.current.modules
    .filter((m) => m.kind !== 'section' && !m.module.startsWith('('))
    .slice(0, HISTORY_MODULES);
  return {
    commit: input.commit.slice(0, COMMIT_CHARS),
    date: input.epoch > 0 ? new Date(input.epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : '',
    sizes: Object.fromEntries(input.sizes.map((s) => [s.platform, s.compressed])),
    ...(Object.keys(binaries).length > 0 ? { binaries } : {}),
    ...(modules && modules.length > 0 ? { modules: Object.fromEntries(modules.map((m) => [m.module, m.bytes])) } : {}),
  };
}

/**
 * The history after this build: the baseline's, then this entry (a re-run of the commit that
 * ends it replaces that entry, so the same commit built twice stores the same bytes), the last
 * `limit` kept.
 */
export function nextHistory(previous: readonly HistoryEntry[] | undefined, entry: HistoryEntry, limit: number): HistoryEntry[] {
  if (limit <= 0) return [];
  const kept = [...(previous ?? [])];
  if (kept.length > 0 && entry.commit && kept.at(-1)!.commit === entry.commit) kept.pop();
  return [...kept, entry].slice(-limit);
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function countRecord(value: unknown): Record<string, number> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value).filter(([, n]) => isCount(n));
  return entries.length > 0 ? (Object.fromEntries(entries) as Record<string, number>) : undefined;
}

/** Reads a stored history defensively: malformed entries are left out, as is all of it when it is not a list. */
export function parseHistory(raw: unknown): HistoryEntry[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const entries: HistoryEntry[] = [];
  for (const item of raw as Partial<Record<keyof HistoryEntry, unknown>>[]) {
    if (!item || typeof item !== 'object') continue;
    const sizes = countRecord(item.sizes);
    if (!sizes) continue;
    const binaries = countRecord(item.binaries);
    const modules = countRecord(item.modules);
    entries.push({
      commit: typeof item.commit === 'string' ? item.commit.slice(0, COMMIT_CHARS) : '',
      date: typeof item.date === 'string' ? item.date : '',
      sizes,
      ...(binaries ? { binaries } : {}),
      ...(modules ? { modules } : {}),
    });
  }
  return entries;
}

/**
 * One history for an index merged from matrix legs: the legs read the same baseline, so their
 * histories agree but for this build's entry, which each leg made for its own platform. The first
 * leg's history, with its last entry holding every leg's sizes for the same commit.
 */
export function mergeHistories(histories: readonly (HistoryEntry[] | undefined)[]): HistoryEntry[] | undefined {
  const first = histories.find((h) => h && h.length > 0);
  if (!first) return histories.find((h) => h !== undefined);
  const last = first.at(-1)!;
  const merged: HistoryEntry = { ...last, sizes: { ...last.sizes }, ...(last.binaries ? { binaries: { ...last.binaries } } : {}) };
  for (const history of histories) {
    const other = history?.at(-1);
    if (!other || other === last || other.commit !== last.commit) continue;
    Object.assign(merged.sizes, other.sizes);
    // In platform order, as a single run with all platforms writes them (the digest must match).
    if (other.binaries) merged.binaries = { ...merged.binaries, ...other.binaries };
    if (!merged.modules && other.modules) merged.modules = other.modules;
  }
  return [...first.slice(0, -1), merged];
}

/** A point of the chart: a build, and the label it carries on the x axis. */
export interface HistoryPoint extends HistoryEntry {
  label: string;
  /** This run's image (the last point): a pull request's, or the build that just joined the history. */
  current?: boolean;
}

/** What the report shows: the points in order, oldest first, this run's image last. */
export interface SizeHistory {
  points: HistoryPoint[];
  /** Label of this run's point: `PR` on pull requests, `this` otherwise. */
  currentLabel: string;
}

/**
 * The points the report draws: the last `limit` builds of the history and this run's image. A build
 * that joins the history is its last entry already; a pull request's image is one point more.
 */
export function historyPoints(previous: readonly HistoryEntry[] | undefined, current: HistoryEntry, settings: Pick<HistorySettings, 'limit' | 'records'>, pullRequest: boolean): SizeHistory | undefined {
  if (settings.limit <= 0) return undefined;
  const builds = settings.records ? nextHistory(previous, current, settings.limit).slice(0, -1) : (previous ?? []).slice(-settings.limit);
  const currentLabel = pullRequest ? 'PR' : 'this';
  const labels = commitLabels(builds.map((b) => b.commit), [currentLabel]);
  return {
    points: [...builds.map((b, i) => ({ ...b, label: labels[i]! })), { ...current, label: currentLabel, current: true }],
    currentLabel,
  };
}

/**
 * Short commits for the x axis: 7 characters, fewer when many points share the axis (so the labels
 * do not run into each other), longer where two would read the same. Mermaid merges equal labels
 * into one point, so every label is unique.
 */
export function commitLabels(commits: readonly string[], taken: readonly string[] = []): string[] {
  const length = commits.length < 12 ? 7 : commits.length < 20 ? 5 : 4;
  const used = new Set(taken);
  return commits.map((commit) => {
    let label = commit.slice(0, length) || '?';
    for (let more = length + 1; used.has(label) && more <= commit.length; more++) label = commit.slice(0, more);
    for (let n = 2; used.has(label); n++) label = `${commit.slice(0, length) || '?'}·${n}`;
    used.add(label);
    return label;
  });
}

/** The platforms charted: this run's, in its order. */
function chartedPlatforms(history: SizeHistory): string[] {
  return Object.keys(history.points.at(-1)!.sizes);
}

/**
 * The points a chart can draw: the longest run of recent points that have a size for every
 * charted platform (a platform added later starts the chart where it was first built).
 */
function drawable(history: SizeHistory, platforms: readonly string[]): HistoryPoint[] {
  const points = history.points;
  let start = points.length - 1;
  while (start > 0 && platforms.every((p) => points[start - 1]!.sizes[p] !== undefined)) start--;
  return points.slice(start);
}

/** Line colours (GitHub's palette) and the emoji square of the same colour for the legend. */
const LINE_COLOURS = [
  { hex: '#0969da', square: '🟦' },
  { hex: '#fb8f44', square: '🟧' },
  { hex: '#1a7f37', square: '🟩' },
  { hex: '#8250df', square: '🟪' },
  { hex: '#cf222e', square: '🟥' },
  { hex: '#bf8700', square: '🟨' },
  { hex: '#953800', square: '🟫' },
  { hex: '#24292f', square: '⬛' },
];

const UNIT = [
  { name: 'MiB', bytes: 1024 * 1024 },
  { name: 'KiB', bytes: 1024 },
  { name: 'B', bytes: 1 },
];

function chartUnit(largest: number): { name: string; bytes: number } {
  return UNIT.find((u) => largest >= u.bytes * 2) ?? UNIT.at(-1)!;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Axis bounds with some room above and below the lines, on round numbers. */
function axisBounds(values: readonly number[]): [number, number] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pad = Math.max((max - min) * 0.2, max * 0.01, 0.01);
  const step = 10 ** Math.floor(Math.log10(pad));
  return [Math.max(0, Math.floor((min - pad) / step) * step), Math.ceil((max + pad) / step) * step].map(round2) as [number, number];
}

/** Mermaid's quoted strings end at a quote; labels never hold one. */
const quoted = (text: string) => `"${text.replace(/"/g, "'")}"`;

/**
 * The chart as a Mermaid `xychart-beta` block: compressed size per platform, one line each, in
 * the legend's colours. A `%% <platform>` comment names each line (Mermaid ignores it; the CLI's
 * sparklines read it). Undefined when there are fewer than two points to draw.
 */
export function historyChart(history: SizeHistory): string | undefined {
  const platforms = chartedPlatforms(history).slice(0, LINE_COLOURS.length);
  const points = drawable(history, platforms);
  if (points.length < 2 || platforms.length === 0) return undefined;
  const all = points.flatMap((p) => platforms.map((platform) => p.sizes[platform]!));
  const unit = chartUnit(Math.max(...all));
  const [low, high] = axisBounds(all.map((v) => v / unit.bytes));
  const palette = LINE_COLOURS.slice(0, platforms.length).map((c) => c.hex).join(', ');
  const lines = [
    '```mermaid',
    // Many points: a smaller font for the x labels, so they stay apart.
    `%%{init: {"xyChart": {"width": 900, "height": 420${points.length > 20 ? ', "xAxis": {"labelFontSize": 11}' : ''}}, "themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`,
    'xychart-beta',
    `  title ${quoted(`Compressed image size (${unit.name}), last ${points.length} builds`)}`,
    `  x-axis [${points.map((p) => quoted(p.label)).join(', ')}]`,
    `  y-axis ${quoted(unit.name)} ${low} --> ${high}`,
  ];
  for (const platform of platforms) {
    lines.push(`  %% ${platform}`, `  line [${points.map((p) => round2(p.sizes[platform]! / unit.bytes)).join(', ')}]`);
  }
  lines.push('```');
  return lines.join('\n');
}

/** The chart's legend: which colour is which platform, and what the last point is. */
function legendLine(history: SizeHistory, platforms: readonly string[]): string {
  const lines = platforms.map((platform, i) => `${LINE_COLOURS[i]?.square ?? ''} ${platform}`.trim()).join(' · ');
  const current = history.currentLabel === 'PR' ? '`PR` is this pull request\'s image (not kept in the history)' : '`this` is this build';
  return `${lines} — ${current}.`;
}

/**
 * The module that explains most of the growth of the binary between two builds: the one whose
 * code grew by more than half the binary's growth. A module missing from the earlier entry's top
 * modules counts from the smallest of them (it was no larger), so its growth is never overstated.
 */
export function explainingModule(before: HistoryEntry, after: HistoryEntry, platform: string): { module: string; bytes: number } | undefined {
  const grown = (after.binaries?.[platform] ?? 0) - (before.binaries?.[platform] ?? 0);
  if (!before.binaries?.[platform] || !after.binaries?.[platform] || grown <= 0 || !after.modules) return undefined;
  const earlier = before.modules ?? {};
  const floor = Object.keys(earlier).length >= HISTORY_MODULES ? Math.min(...Object.values(earlier)) : 0;
  let best: { module: string; bytes: number } | undefined;
  for (const [module, bytes] of Object.entries(after.modules)) {
    const growth = bytes - (earlier[module] ?? Math.min(floor, bytes));
    if (!best || growth > best.bytes) best = { module, bytes: growth };
  }
  return best && best.bytes > grown / 2 ? best : undefined;
}

/**
 * The plain-text line per platform, for readers and tools that do not render Mermaid: the smallest
 * and largest size over the window (and where), the change from its first point to this run's, and
 * the largest jump, labelled with the module that explains it when one does.
 */
export function historyTextLines(history: SizeHistory): string[] {
  const lines: string[] = [];
  for (const platform of chartedPlatforms(history)) {
    const points = history.points.filter((p) => p.sizes[platform] !== undefined);
    if (points.length < 2) continue;
    const at = (p: HistoryPoint) => (p.current ? p.label : `\`${p.label}\``);
    const size = (p: HistoryPoint) => p.sizes[platform]!;
    const min = points.reduce((a, b) => (size(b) < size(a) ? b : a));
    const max = points.reduce((a, b) => (size(b) > size(a) ? b : a));
    const first = points[0]!;
    const last = points.at(-1)!;
    const change = size(last) - size(first);
    const percent = size(first) > 0 ? (change / size(first)) * 100 : undefined;
    let text = `${platform}: min ${formatBytes(size(min))} (${at(min)}), max ${formatBytes(size(max))} (${at(max)}), change over ${points.length} builds ${formatChange(change)} (${formatPercent(percent)})`;
    let jump: { index: number; bytes: number } | undefined;
    for (let i = 1; i < points.length; i++) {
      const bytes = size(points[i]!) - size(points[i - 1]!);
      if (bytes > 0 && (!jump || bytes > jump.bytes)) jump = { index: i, bytes };
    }
    if (jump) {
      const explained = explainingModule(points[jump.index - 1]!, points[jump.index]!, platform);
      text += `; largest jump ${formatChange(jump.bytes)} at ${at(points[jump.index]!)}${explained ? ` (\`${explained.module}\` ${formatChange(explained.bytes)})` : ''}`;
    }
    lines.push(`${text}.`);
  }
  return lines;
}

/** The history section of the report: the chart, its legend and the text lines; empty with fewer than two points. */
export function historySection(history: SizeHistory | undefined): string[] {
  if (!history) return [];
  const chart = historyChart(history);
  const text = historyTextLines(history);
  if (!chart && text.length === 0) return [];
  const platforms = chartedPlatforms(history).slice(0, LINE_COLOURS.length);
  return ['**Size history** (compressed, default-branch builds)', '', ...(chart ? [chart, '', legendLine(history, platforms), ''] : []), ...text.map((line) => `- ${line}`), ''];
}

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Values as a row of block characters, lowest ▁ to highest █ (all ▄ when they are equal). */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values.map((v) => (max === min ? BARS[3]! : BARS[Math.round(((v - min) / (max - min)) * (BARS.length - 1))]!)).join('');
}
