import { foldSmallPackages, type Attribution, type PackageShare } from './attribution.js';
import { mergeHistories, parseHistory, type HistoryEntry } from './history.js';
import type { ClassifiedLayer } from './size.js';

/**
 * The size report stored in the image itself, as an annotation of its root manifest, so a later
 * run reads the baseline's per-module breakdown from the registry: no artifacts, no other store.
 */
export const SIZE_REPORT_ANNOTATION = 'io.github.go-slim-image.size-report';

/** Modules kept in the stored report; the rest are summed into one entry to keep the manifest small. */
const STORED_MODULES = 40;

export interface StoredReport {
  version: 1;
  /** The first platform's binary, attributed to Go modules; absent when it could not be attributed. */
  attributed?: { platform: string; binarySize: number; attribution: Attribution };
  /**
   * Every layer's uncompressed size and contents, by compressed digest, so a later run that takes
   * this image as its baseline reads no layer blob.
   */
  layers?: Record<string, ClassifiedLayer>;
  /**
   * The last default-branch builds, oldest first, this image's own last when it was built from the
   * default branch (report/history.ts). Images of other branches and pull requests store none.
   */
  history?: HistoryEntry[];
}

/** The attributed binary as a run has it (see pipeline attributeBinary). */
export interface AttributedBinary {
  platform: string;
  binarySize: number;
  current: Attribution;
}

export function serializeStoredReport(attributed: AttributedBinary | undefined, layers: Record<string, ClassifiedLayer> | undefined, history?: readonly HistoryEntry[]): string {
  const report: Record<string, unknown> = { version: 1 };
  if (attributed) {
    const modules = [...attributed.current.modules].sort((a, b) => b.bytes - a.bytes || a.module.localeCompare(b.module));
    const kept = modules.slice(0, STORED_MODULES);
    const rest = modules.slice(STORED_MODULES);
    if (rest.length > 0) kept.push({ module: `(${rest.length} more modules)`, kind: 'other', bytes: rest.reduce((sum, m) => sum + m.bytes, 0) });
    // The attribution fields sit at the top level, where reports of earlier versions have them.
    const attribution: Record<string, unknown> = { ...attributed.current, modules: kept };
    if (attributed.current.packages) attribution.packages = packagesByModule(attributed.current.packages);
    Object.assign(report, { platform: attributed.platform, binarySize: attributed.binarySize, attribution });
  }
  if (layers && Object.keys(layers).length > 0) report.layers = layers;
  if (history && history.length > 0) report.history = history;
  return JSON.stringify(report);
}

/** Packages as stored: `{ module: { package: bytes } }`, the small ones summed (about 3 KB for a web service). */
function packagesByModule(packages: readonly PackageShare[]): Record<string, Record<string, number>> {
  const stored: Record<string, Record<string, number>> = {};
  for (const share of foldSmallPackages(packages)) (stored[share.module] ??= {})[share.package] = share.bytes;
  return stored;
}

function packagesFromStored(raw: unknown): PackageShare[] | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const packages: PackageShare[] = [];
  for (const [module, byPackage] of Object.entries(raw)) {
    if (!byPackage || typeof byPackage !== 'object') continue;
    for (const [pkg, bytes] of Object.entries(byPackage as Record<string, unknown>)) {
      if (Number.isSafeInteger(bytes) && (bytes as number) >= 0) packages.push({ package: pkg, module, bytes: bytes as number });
    }
  }
  return packages.sort((a, b) => b.bytes - a.bytes || a.package.localeCompare(b.package));
}

/** Reads a stored report defensively: anything unexpected is left out (all of it when it is not a report). */
export function parseStoredReport(text: string | undefined): StoredReport | undefined {
  if (!text) return undefined;
  let raw: { version?: unknown; platform?: unknown; binarySize?: unknown; attribution?: Partial<Attribution>; layers?: unknown; history?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return undefined;
  }
  if (!raw || raw.version !== 1) return undefined;
  const report: StoredReport = { version: 1 };
  if (typeof raw.platform === 'string' && Array.isArray(raw.attribution?.modules)) {
    const attribution = { ...raw.attribution } as Attribution;
    const packages = packagesFromStored(raw.attribution?.packages);
    if (packages) attribution.packages = packages;
    else delete attribution.packages;
    report.attributed = { platform: raw.platform, binarySize: Number(raw.binarySize) || 0, attribution };
  }
  if (raw.layers && typeof raw.layers === 'object') {
    const layers = Object.fromEntries(Object.entries(raw.layers).filter(([digest, layer]) => /^sha256:[0-9a-f]{64}$/.test(digest) && isClassifiedLayer(layer)));
    if (Object.keys(layers).length > 0) report.layers = layers;
  }
  const history = parseHistory(raw.history);
  if (history && history.length > 0) report.history = history;
  return report.attributed || report.layers || report.history ? report : undefined;
}

function isClassifiedLayer(layer: unknown): layer is ClassifiedLayer {
  const l = layer as Partial<ClassifiedLayer> | null;
  return !!l && Number.isSafeInteger(l.uncompressed) && l.uncompressed! >= 0 && Number.isSafeInteger(l.files) && Array.isArray(l.holds) && l.holds.every((h) => typeof h === 'string');
}

/**
 * The size report of an index merged from matrix legs, as a single run with all platforms would
 * store it: the first platform's attribution, every leg's layer details, in platform order, and one
 * history whose last entry (this build) holds every leg's sizes.
 */
export function mergeStoredReports(reports: readonly (string | undefined)[]): string | undefined {
  const parsed = reports.map((text) => {
    try {
      return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  });
  const first = parsed[0];
  if (!first || first.version !== 1) return reports[0];
  const layers: Record<string, unknown> = {};
  for (const report of parsed) Object.assign(layers, report?.version === 1 && report.layers && typeof report.layers === 'object' ? report.layers : {});
  const merged: Record<string, unknown> = { ...first };
  delete merged.layers;
  delete merged.history;
  if (Object.keys(layers).length > 0) merged.layers = layers;
  const history = mergeHistories(parsed.map((report) => (report?.version === 1 ? parseHistory(report.history) : undefined)));
  if (history && history.length > 0) merged.history = history;
  return JSON.stringify(merged);
}
