import { formatBytes } from '../format-bytes.js';
import type { Descriptor, ImageIndex, ImageManifest } from '../image/registry.js';
import type { LayerEntry } from '../image/tar.js';

/** What a layer holds, judged by the files in it. */
export type LayerContent = 'binary' | 'certificates' | 'zoneinfo' | 'passwd' | 'base' | 'other';

/** One layer of a platform's image. `uncompressed` and `holds` are known once the blob was streamed. */
export interface LayerSize {
  digest: string;
  /** The layer's media type from the manifest (says how it is compressed). */
  mediaType?: string;
  compressed: number;
  uncompressed?: number;
  /** What the layer holds, largest share first (by file bytes); empty for a layer without files. */
  holds?: LayerContent[];
  files?: number;
}

/** The size of one platform's image as a pull sees it. */
export interface PlatformSize {
  platform: string;
  manifestDigest: string;
  /** Config plus compressed layers: the bytes a pull transfers. */
  compressed: number;
  /** Sum of the layers' uncompressed sizes (what `docker images` shows); set once every layer was streamed. */
  uncompressed?: number;
  layers: LayerSize[];
}

/** Compressed size of an image manifest: its config blob plus every layer blob. */
export function compressedSize(manifest: ImageManifest): number {
  return manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

export function platformOf(descriptor: Descriptor): string {
  const p = descriptor.platform;
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : 'unknown/unknown';
}

/**
 * The image manifests of an index. Attestation manifests (platform unknown/unknown, or the
 * attestation reference annotation) are not images and must never be counted as one; and an
 * index entry's `size` is the size of the manifest JSON, not of the image.
 */
export function imageDescriptors(index: ImageIndex): Descriptor[] {
  return index.manifests.filter(
    (d) => platformOf(d) !== 'unknown/unknown' && d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
  );
}

export function platformSize(platform: string, manifestDigest: string, manifest: ImageManifest): PlatformSize {
  return {
    platform,
    manifestDigest,
    compressed: compressedSize(manifest),
    layers: manifest.layers.map((layer) => ({ digest: layer.digest, mediaType: layer.mediaType, compressed: layer.size })),
  };
}

/** What streaming one layer blob found out (see report/layers.ts). */
export interface LayerDetails {
  uncompressed: number;
  entries: readonly LayerEntry[];
}

export interface ClassifyOptions {
  /** Digests of layers that came from a user's base image (`FROM something`), when known. */
  baseLayers?: ReadonlySet<string>;
  /** Image paths of the Go binaries (e.g. `app`, `usr/local/bin/api`), when known. */
  binaryPaths?: readonly string[];
}

const normalize = (name: string) => name.replace(/^(\.\/|\/)+/, '');

/** Files that only an operating system base image carries. */
const BASE_MARKERS = [/^etc\/os-release$/, /^usr\/lib\/os-release$/, /^var\/lib\/dpkg\//, /^lib\/apk\/db\//, /^var\/lib\/rpm\//, /^bin\/(busybox|sh|bash)$/];

/** The content class of one file; undefined for folders, links and whiteouts. */
export function classifyEntry(entry: LayerEntry, binaryPaths: readonly string[] = []): LayerContent | undefined {
  if (entry.type !== 'file' && entry.type !== 'hardlink') return undefined;
  const name = normalize(entry.name);
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (base.startsWith('.wh.')) return undefined;
  if (binaryPaths.some((p) => normalize(p) === name)) return 'binary';
  if (/^etc\/(passwd|group|shadow|gshadow|nsswitch\.conf)$/.test(name)) return 'passwd';
  if (/^(etc\/ssl\/|etc\/pki\/|usr\/share\/ca-certificates\/|usr\/local\/share\/ca-certificates\/)/.test(name) || /\.(crt|pem)$/.test(name)) return 'certificates';
  if (/^usr\/share\/zoneinfo\//.test(name) || base === 'zoneinfo.zip') return 'zoneinfo';
  if (BASE_MARKERS.some((marker) => marker.test(name))) return 'base';
  if (binaryPaths.length === 0 && entry.type === 'file' && (entry.mode & 0o111) !== 0 && !name.startsWith('etc/')) return 'binary';
  return 'other';
}

/**
 * What a layer holds, largest share first. A layer from the user's base image, or one holding an
 * OS marker (os-release, a package database), is `base` as a whole; otherwise each file counts
 * its bytes towards its class (a file of 0 bytes still counts, so `/etc/group` shows).
 */
export function classifyLayer(digest: string, entries: readonly LayerEntry[], options: ClassifyOptions = {}): LayerContent[] {
  if (options.baseLayers?.has(digest)) return ['base'];
  const bytes = new Map<LayerContent, number>();
  for (const entry of entries) {
    const content = classifyEntry(entry, options.binaryPaths);
    if (content) bytes.set(content, (bytes.get(content) ?? 0) + entry.size);
  }
  if (bytes.has('base')) return ['base'];
  const order: LayerContent[] = ['binary', 'certificates', 'zoneinfo', 'passwd', 'other'];
  return [...bytes.entries()].sort((a, b) => b[1] - a[1] || order.indexOf(a[0]) - order.indexOf(b[0])).map(([content]) => content);
}

/**
 * Adds uncompressed sizes and contents to a platform's layers. `uncompressed` on the platform is
 * set only when every layer's details are known, so a partial sum is never reported as the size.
 */
/** A layer already measured and classified (by the run that built it, see report/stored.ts). */
export interface ClassifiedLayer {
  uncompressed: number;
  files: number;
  holds: LayerContent[];
}

export function withLayerDetails(size: PlatformSize, details: ReadonlyMap<string, LayerDetails | ClassifiedLayer>, options: ClassifyOptions = {}): PlatformSize {
  const layers = size.layers.map((layer): LayerSize => {
    const found = details.get(layer.digest);
    if (!found) return { ...layer };
    if ('holds' in found) return { ...layer, uncompressed: found.uncompressed, holds: [...found.holds], files: found.files };
    return {
      ...layer,
      uncompressed: found.uncompressed,
      holds: classifyLayer(layer.digest, found.entries, options),
      files: found.entries.filter((e) => e.type === 'file' || e.type === 'hardlink').length,
    };
  });
  const complete = layers.every((layer) => layer.uncompressed !== undefined);
  return {
    ...size,
    ...(complete ? { uncompressed: layers.reduce((sum, layer) => sum + layer.uncompressed!, 0) } : {}),
    layers,
  };
}

/** The classified details of every layer of the given (detailed) platforms, by layer digest. */
export function classifiedLayers(sizes: readonly PlatformSize[]): Record<string, ClassifiedLayer> {
  const layers: Record<string, ClassifiedLayer> = {};
  for (const size of sizes) {
    for (const layer of size.layers) {
      if (layer.uncompressed === undefined || !layer.holds || layer.files === undefined) continue;
      layers[layer.digest] = { uncompressed: layer.uncompressed, files: layer.files, holds: [...layer.holds] };
    }
  }
  return layers;
}

/** A change between two sizes. `percent` is undefined when the old size was 0. */
export interface SizeChange {
  before: number;
  after: number;
  bytes: number;
  percent?: number;
}

export function sizeChange(before: number, after: number): SizeChange {
  return { before, after, bytes: after - before, ...(before > 0 ? { percent: ((after - before) / before) * 100 } : {}) };
}

/** The image a run compares with, as found (or not) in the registry. */
export type Baseline =
  | { state: 'found'; ref: string; digest: string; sizes: readonly PlatformSize[] }
  | { state: 'missing'; ref: string }
  | { state: 'none' };

/** One platform against the baseline: the three states the report distinguishes. */
export type PlatformDelta =
  | { platform: string; state: 'found'; compressed: SizeChange; uncompressed?: SizeChange }
  /** No baseline image exists yet (first run on the default branch, or baseline disabled). */
  | { platform: string; state: 'no-baseline' }
  /** The baseline exists but has no image for this platform (a platform was added). */
  | { platform: string; state: 'platform-missing' };

/** Deltas of every current platform against the baseline. */
export function compareWithBaseline(current: readonly PlatformSize[], baseline: Baseline): PlatformDelta[] {
  return current.map((size): PlatformDelta => {
    if (baseline.state !== 'found') return { platform: size.platform, state: 'no-baseline' };
    const old = baseline.sizes.find((b) => b.platform === size.platform);
    if (!old) return { platform: size.platform, state: 'platform-missing' };
    return {
      platform: size.platform,
      state: 'found',
      compressed: sizeChange(old.compressed, size.compressed),
      ...(old.uncompressed !== undefined && size.uncompressed !== undefined ? { uncompressed: sizeChange(old.uncompressed, size.uncompressed) } : {}),
    };
  });
}

/** The `size` output: the largest compressed size over the platforms (0 when nothing was sized). */
export function largestCompressed(sizes: readonly PlatformSize[]): number {
  return sizes.reduce((max, size) => Math.max(max, size.compressed), 0);
}

/** The `size-uncompressed` output: the largest uncompressed size, undefined when unknown. */
export function largestUncompressed(sizes: readonly PlatformSize[]): number | undefined {
  if (sizes.length === 0 || sizes.some((s) => s.uncompressed === undefined)) return undefined;
  return sizes.reduce((max, size) => Math.max(max, size.uncompressed!), 0);
}

/** The `size-delta` output: the compressed delta of the largest growth over platforms with a baseline. */
export function largestDelta(deltas: readonly PlatformDelta[]): number | undefined {
  const found = deltas.flatMap((d) => (d.state === 'found' ? [d.compressed.bytes] : []));
  return found.length === 0 ? undefined : Math.max(...found);
}

/** One platform in the `sizes` JSON output. */
export interface SizesOutputEntry {
  platform: string;
  digest: string;
  compressed: number;
  uncompressed: number | null;
  binary: number | null;
  delta: number | null;
  baseline: PlatformDelta['state'];
  layers: { digest: string; compressed: number; uncompressed: number | null; holds: LayerContent[] }[];
}

/** The `sizes` output: bytes only, per platform, stable key order. */
export function sizesOutput(sizes: readonly PlatformSize[], deltas: readonly PlatformDelta[], binaries: readonly { platform: string; size: number }[] = []): SizesOutputEntry[] {
  return sizes.map((size) => {
    const delta = deltas.find((d) => d.platform === size.platform);
    return {
      platform: size.platform,
      digest: size.manifestDigest,
      compressed: size.compressed,
      uncompressed: size.uncompressed ?? null,
      binary: binaries.find((b) => b.platform === size.platform)?.size ?? null,
      delta: delta?.state === 'found' ? delta.compressed.bytes : null,
      baseline: delta?.state ?? 'no-baseline',
      layers: size.layers.map((l) => ({ digest: l.digest, compressed: l.compressed, uncompressed: l.uncompressed ?? null, holds: l.holds ?? [] })),
    };
  });
}

/** A signed change for text: `▲ +1.50 KiB`, `▼ -300 B`, `= 0 B`. */
export function formatChange(bytes: number): string {
  if (bytes === 0) return '= 0 B';
  return bytes > 0 ? `▲ +${formatBytes(bytes)}` : `▼ ${formatBytes(bytes)}`;
}

/** A signed percentage with two significant decimals: `+4.20%`, `-0.03%`, `n/a` when unknown. */
export function formatPercent(percent: number | undefined): string {
  if (percent === undefined) return 'n/a';
  if (percent === 0) return '0.00%';
  return `${percent > 0 ? '+' : ''}${percent.toFixed(2)}%`;
}

