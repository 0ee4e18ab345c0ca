import type { Attribution } from './attribution.js';

/**
 * The size report stored in the image itself, as an annotation of its root manifest, so a later
 * run reads the baseline's per-module breakdown from the registry: no artifacts, no other store.
 */
export const SIZE_REPORT_ANNOTATION = 'io.github.go-slim-image.size-report';

/** Modules kept in the stored report; the rest are summed into one entry to keep the manifest small. */
const STORED_MODULES = 40;

export interface StoredReport {
  version: 1;
  /** The platform whose binary was attributed. */
  platform: string;
  binarySize: number;
  attribution: Attribution;
}

export function serializeStoredReport(platform: string, binarySize: number, attribution: Attribution): string {
  const modules = [...attribution.modules].sort((a, b) => b.bytes - a.bytes || a.module.localeCompare(b.module));
  const kept = modules.slice(0, STORED_MODULES);
  const rest = modules.slice(STORED_MODULES);
  if (rest.length > 0) kept.push({ module: `(${rest.length} more modules)`, kind: 'other', bytes: rest.reduce((sum, m) => sum + m.bytes, 0) });
  const report: StoredReport = { version: 1, platform, binarySize, attribution: { ...attribution, modules: kept } };
  return JSON.stringify(report);
}

/** Reads a stored report defensively: anything unexpected means "none". */
export function parseStoredReport(text: string | undefined): StoredReport | undefined {
  if (!text) return undefined;
  try {
    const report = JSON.parse(text) as Partial<StoredReport>;
    if (report.version !== 1 || typeof report.platform !== 'string' || !Array.isArray(report.attribution?.modules)) return undefined;
    return report as StoredReport;
  } catch {
    return undefined;
  }
}
