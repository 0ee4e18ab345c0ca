import type { Attribution, ModuleChange, ModuleShare, PackageChange } from './attribution.js';
import { modulesThatGrew, topModules } from './attribution.js';
import type { GateCheck } from './gate.js';
import { historySection, type SizeHistory } from './history.js';
import { formatBytes } from '../format-bytes.js';
import { formatChange, formatPercent, type Baseline, type PlatformDelta, type PlatformSize } from './size.js';

/** Everything the size report shows: one image, all its platforms. */
export interface SizeReport {
  /** The image without tag or digest (`registry/repository`): the comment's identity. */
  image: string;
  /** What was pushed or built, e.g. `ghcr.io/acme/api@sha256:…`. */
  imageRef?: string;
  sizes: readonly PlatformSize[];
  deltas: readonly PlatformDelta[];
  baseline: Baseline;
  /** Module shares of one platform's binary, and what changed since the baseline's. */
  attribution?: { platform: string; current: Attribution; changes?: readonly ModuleChange[]; packageChanges?: readonly PackageChange[] };
  gate?: readonly GateCheck[];
  /** The last default-branch builds and this run's image (report/history.ts). */
  history?: SizeHistory;
  /** The commit the report is for (shown in the comment's footer). */
  commit?: string;
  /** One line on the SBOM and provenance attached to the image (the comment's; the job summary has its own). */
  attestations?: string;
}

/** How many modules the "binary by module" table lists before folding the rest. */
const TOP_MODULES = 10;
/** How many packages "What grew" lists before summing the rest. */
const TOP_PACKAGES = 8;

/**
 * The hidden marker that identifies one image's comment. HTML comments cannot hold `--`, which a
 * repository name may (`a--b`), so runs of dashes are escaped.
 */
export function commentMarker(image: string): string {
  return `<!-- go-slim-image:${image.replace(/-{2,}/g, (dashes) => '%2D'.repeat(dashes.length))} -->`;
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
const shortDigest = (digest: string) => digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1');

function deltaCells(delta: PlatformDelta | undefined): [string, string] {
  if (!delta || delta.state === 'no-baseline') return ['–', '–'];
  if (delta.state === 'platform-missing') return ['new platform', '–'];
  return [formatChange(delta.compressed.bytes), formatPercent(delta.compressed.percent)];
}

function baselineLine(baseline: Baseline, deltas: readonly PlatformDelta[]): string {
  if (baseline.state === 'none') return 'Baseline: none configured, so sizes are shown without deltas.';
  if (baseline.state === 'missing') return `Baseline: ${code(baseline.ref)} does not exist yet, so there is nothing to compare with (it will after the default branch pushes it).`;
  const missing = deltas.filter((d) => d.state === 'platform-missing').map((d) => d.platform);
  const note = missing.length > 0 ? ` It has no image for ${missing.join(', ')}.` : '';
  return `Baseline: ${code(baseline.ref)} (${code(shortDigest(baseline.digest))}).${note}`;
}

function platformTable(report: SizeReport): string[] {
  const lines = ['| Platform | Compressed | Uncompressed | Δ compressed | Δ % |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const size of report.sizes) {
    const [bytes, percent] = deltaCells(report.deltas.find((d) => d.platform === size.platform));
    const uncompressed = size.uncompressed === undefined ? '–' : formatBytes(size.uncompressed);
    lines.push(`| ${size.platform} | ${formatBytes(size.compressed)} | ${uncompressed} | ${bytes} | ${percent} |`);
  }
  return lines;
}

function moduleLabel(module: string, version: string | undefined): string {
  return module.startsWith('(') ? module : `${code(module)}${version ? ` ${version}` : ''}`;
}

function grewSection(report: SizeReport): string[] {
  const attribution = report.attribution;
  if (!attribution?.changes) return [];
  const grew = modulesThatGrew(attribution.changes);
  if (grew.length === 0) return [`No module of the ${attribution.platform} binary grew since the baseline.`, ''];
  const lines = [`**What grew** in the ${attribution.platform} binary, by module:`, '', '| Module | Before | After | Change |', '| --- | ---: | ---: | ---: |'];
  for (const change of grew) {
    const version = change.versionBefore && change.versionAfter && change.versionBefore !== change.versionAfter ? `${change.versionBefore} → ${change.versionAfter}` : change.versionAfter;
    const before = change.status === 'new' ? '–' : formatBytes(change.before);
    lines.push(`| ${moduleLabel(change.module, version)} | ${before} | ${formatBytes(change.after)} | ${formatChange(change.bytes)}${change.status === 'new' ? ' (new)' : ''} |`);
  }
  return [...lines, '', ...packagesSection(attribution.packageChanges, grew)];
}

/**
 * The packages of `std` and the main module that grew, so a change reads "`encoding/xml` +60 KiB"
 * rather than "`std` +60 KiB": the largest growths, the other changes of those modules summed.
 */
function packagesSection(changes: readonly PackageChange[] | undefined, grewModules: readonly ModuleChange[]): string[] {
  if (!changes) return [];
  const grew = changes.filter((c) => c.bytes > 0 && !c.package.startsWith('(') && grewModules.some((m) => m.module === c.module));
  if (grew.length === 0) return [];
  const shown = grew.slice(0, TOP_PACKAGES);
  const modules = [...new Set(shown.map((c) => c.module))];
  const rest = changes.filter((c) => !shown.includes(c) && modules.includes(c.module));
  const lines = [`By package of ${modules.map(code).join(' and ')}:`, '', '| Package | Before | After | Change |', '| --- | ---: | ---: | ---: |'];
  for (const change of shown) {
    const isNew = change.before === 0;
    lines.push(`| ${code(change.package)} | ${isNew ? '–' : formatBytes(change.before)} | ${formatBytes(change.after)} | ${formatChange(change.bytes)}${isNew ? ' (new)' : ''} |`);
  }
  if (rest.length > 0) lines.push(`| (${rest.length} other ${rest.length === 1 ? 'change' : 'changes'}) | | | ${formatChange(rest.reduce((sum, c) => sum + c.bytes, 0))} |`);
  return [...lines, ''];
}

function gateSection(gate: readonly GateCheck[] | undefined): string[] {
  if (!gate || gate.length === 0) return [];
  return ['**Size gate**', '', ...gate.map((check) => `- ${check.passed ? '✅' : '❌'} ${check.message}`), ''];
}

function layersSection(sizes: readonly PlatformSize[]): string[] {
  if (sizes.every((s) => s.layers.length === 0)) return [];
  const lines = ['<details><summary>Layers</summary>', ''];
  for (const size of sizes) {
    lines.push(`**${size.platform}** (${code(shortDigest(size.manifestDigest))})`, '', '| # | Holds | Compressed | Uncompressed | Digest |', '| ---: | --- | ---: | ---: | --- |');
    size.layers.forEach((layer, i) => {
      const holds = layer.holds === undefined ? '?' : layer.holds.length === 0 ? 'empty' : layer.holds.join(', ');
      const uncompressed = layer.uncompressed === undefined ? '–' : formatBytes(layer.uncompressed);
      lines.push(`| ${i + 1} | ${holds} | ${formatBytes(layer.compressed)} | ${uncompressed} | ${code(shortDigest(layer.digest))} |`);
    });
    lines.push('');
  }
  return [...lines, '</details>', ''];
}

function modulesSection(attribution: SizeReport['attribution']): string[] {
  if (!attribution) return [];
  const { current } = attribution;
  const byPclntab = current.basis === 'pclntab';
  const named = current.modules.filter((m) => m.kind !== 'section');
  const sections = current.modules.filter((m) => m.kind === 'section');
  const lines = [
    `<details><summary>Binary by module (${attribution.platform}, ${current.goVersion})</summary>`,
    '',
    byPclntab ? '| Module | Code | Share of the binary |' : '| Module | Size | Share |',
    '| --- | ---: | ---: |',
  ];
  const row = (share: ModuleShare) => {
    const percent = current.total > 0 ? ((share.bytes / current.total) * 100).toFixed(1) : '0.0';
    return `| ${moduleLabel(share.module, share.version)} | ${formatBytes(share.bytes)} | ${percent}% |`;
  };
  lines.push(...topModules({ ...current, modules: named }, TOP_MODULES).map(row));
  if (sections.length > 0) lines.push(...sections.map(row));
  const note = byPclntab
    ? `A module's size is its code, read from the function table of the shipped binary. The rows in parentheses have no names once the binary is stripped (read-only data holds types, strings and tables), so they are not split among modules. ${formatBytes(current.total)} in all: the whole file.`
    : `Code and data symbols of an unstripped build of the same package: ${formatBytes(current.total)} in all.`;
  lines.push('', note, '', '</details>', '');
  return lines;
}

/** The size report as markdown: the job summary, and the body of the PR comment. */
export function renderSizeReport(report: SizeReport): string {
  const digest = report.imageRef?.includes('@') ? report.imageRef.slice(report.imageRef.indexOf('@') + 1) : undefined;
  const title = digest ? `${code(report.image)} (${code(shortDigest(digest))})` : code(report.image);
  const lines = [
    `### Image size: ${title}`,
    '',
    ...platformTable(report),
    '',
    baselineLine(report.baseline, report.deltas),
    '',
    ...grewSection(report),
    ...gateSection(report.gate),
    ...historySection(report.history),
    ...layersSection(report.sizes),
    ...modulesSection(report.attribution),
  ];
  return lines.join('\n');
}

/** The sticky PR comment: the marker that finds it again, the report, and which commit it is for. */
export function renderSizeComment(report: SizeReport): string {
  const footer = report.commit ? `<sub>go-slim-image · updated for ${report.commit.slice(0, 12)}</sub>` : '<sub>go-slim-image</sub>';
  return `${commentMarker(report.image)}\n${renderSizeReport(report)}\n${report.attestations ? `\n${report.attestations}\n\n` : ''}${footer}\n`;
}
