import { formatImageName, type ImageName } from '../reference.js';
import { isIndex, type Descriptor, type ImageManifest, type Registry } from './registry.js';

/**
 * Set on every layer this action compresses: the encoder and its settings (LayerEncoder.settings:
 * library, version, level, chunking). Two layers with the same diff_id and the same value are the
 * same bytes (the encoders are deterministic, see encoder.ts), so a
 * later run reuses the stored descriptor instead of compressing again and gets the same digest as
 * if it had compressed. A blob compressed by another tool or at another level is never reused, so
 * an image's digest never depends on what happened to be in the registry.
 */
export const LAYER_COMPRESSION_ANNOTATION = 'io.github.go-slim-image.layer.compression';

/** A compressed layer a registry already holds, by the diff_id of its uncompressed tar. */
export interface ReusableLayer {
  descriptor: Descriptor;
  /** A repository that holds the blob (for a cross-repository mount or a copy). */
  from: ImageName;
}

export type ReusableLayers = ReadonlyMap<string, ReusableLayer>;

/** Which layers are reusable: those one encoder, at one level, wrote (see LayerEncoder). */
export interface ReuseKey {
  mediaType: string;
  settings: string;
}

/**
 * Reads the manifests and configs (a few KB, no layer) of the given images and returns their
 * layers that the encoder `key` names wrote (same media type, same settings annotation), by diff_id. A missing tag is skipped; a failed read is
 * reported through `warn` and only costs the reuse.
 */
export async function findReusableLayers(client: Registry, sources: readonly ImageName[], key: ReuseKey, warn: (message: string) => void): Promise<Map<string, ReusableLayer>> {
  const found = new Map<string, ReusableLayer>();
  const seen = new Set<string>();
  const unique = sources.filter((s) => !seen.has(formatImageName(s)) && seen.add(formatImageName(s)));
  await Promise.all(
    unique.map(async (name) => {
      try {
        const root = await client.findManifest(name, name.digest ?? name.tag ?? 'latest');
        if (!root) return;
        const manifests = isIndex(root.manifest)
          ? await Promise.all(root.manifest.manifests.filter((m) => !/attestation/.test(m.annotations?.['vnd.docker.reference.type'] ?? '')).map(async (m) => (await client.getManifest(name, m.digest)).manifest))
          : [root.manifest];
        for (const manifest of manifests) {
          if (isIndex(manifest)) continue;
          for (const [diffId, layer] of await pairLayers(client, name, manifest)) {
            if (sameEncoder(layer, key) && !found.has(diffId)) found.set(diffId, { descriptor: layer, from: name });
          }
        }
      } catch (error) {
        warn(`The layers of ${formatImageName(name)} could not be read for reuse (${(error as Error).message}); its layers are compressed again.`);
      }
    }),
  );
  return found;
}

/** `rootfs.diff_ids[i]` with `layers[i]`, from the image's config. */
async function pairLayers(client: Registry, name: ImageName, manifest: ImageManifest): Promise<[string, Descriptor][]> {
  const config = (await client.getJsonBlob(name, manifest.config.digest)) as { rootfs?: { diff_ids?: string[] } };
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) return [];
  return manifest.layers.map((layer, i) => [diffIds[i]!, layer]);
}

/** Whether `layer` was written by the encoder `key` names: a gzip layer never stands in for zstd, nor one level for another. */
export function sameEncoder(layer: Descriptor, key: ReuseKey): boolean {
  return layer.mediaType === key.mediaType && layer.annotations?.[LAYER_COMPRESSION_ANNOTATION] === key.settings;
}
