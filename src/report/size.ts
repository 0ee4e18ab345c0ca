import type { Descriptor, ImageIndex, ImageManifest } from '../image/registry.js';

/** The size of one platform's image as a pull sees it. */
export interface PlatformSize {
  platform: string;
  manifestDigest: string;
  /** Config plus compressed layers: the bytes a pull transfers. */
  compressed: number;
  layers: { digest: string; compressed: number }[];
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
    layers: manifest.layers.map((layer) => ({ digest: layer.digest, compressed: layer.size })),
  };
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Human bytes in IEC units, the one convention used in every text the action writes. */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 ? 0 : value >= 100 ? 1 : 2;
  return `${sign}${value.toFixed(digits)} ${UNITS[unit]}`;
}
