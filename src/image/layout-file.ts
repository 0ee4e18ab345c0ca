import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Platform } from '../platform.js';
import { isIndex, type Descriptor, type Manifest } from './registry.js';
import { decodeLayerSync } from './encoder.js';
import { layerCompression, type OciImage } from './oci-layout.js';
import { TarLister } from './tar.js';

const blobPath = (dir: string, digest: string) => path.join(dir, 'blobs', ...digest.split(':'));

/** Whether an index entry is the image of `platform` (attestation manifests say unknown/unknown). */
function matches(descriptor: Descriptor, platform: Platform): boolean {
  const p = descriptor.platform;
  return !!p && p.os === platform.os && p.architecture === platform.arch && (p.variant ?? '') === (platform.variant ?? '');
}

/**
 * The contents of one file of a platform's image in a local OCI layout (what buildx exported), or
 * undefined when no layer holds it: the layers are read from the top one down, so the file the
 * container would see wins.
 * Source mode uses it to reach the binary BuildKit compiled without a second build.
 */
export async function readImageFile(image: OciImage, platform: Platform, filePath: string): Promise<Buffer | undefined> {
  const wanted = filePath.replace(/^\/+/, '');
  let manifest = JSON.parse(await fs.readFile(blobPath(image.dir, image.root.digest), 'utf8')) as Manifest;
  if (isIndex(manifest)) {
    const entry = manifest.manifests.find((m) => matches(m, platform)) ?? (manifest.manifests.length === 1 ? manifest.manifests[0] : undefined);
    if (!entry) return undefined;
    manifest = JSON.parse(await fs.readFile(blobPath(image.dir, entry.digest), 'utf8')) as Manifest;
    if (isIndex(manifest)) return undefined;
  }
  for (const layer of [...manifest.layers].reverse()) {
    const compression = layerCompression(layer.mediaType);
    if (!compression) continue;
    const blob = await fs.readFile(blobPath(image.dir, layer.digest));
    const lister = new TarLister((name) => name === wanted);
    lister.write(compression === 'none' ? blob : decodeLayerSync(compression, blob));
    const file = lister.files.get(wanted);
    if (file) return file;
  }
  return undefined;
}
