import { createHash } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ActionError } from '../errors.js';
import type { ImageName } from '../reference.js';
import type { LayerDetails, PlatformSize } from './size.js';
import type { LayerEntry } from '../image/tar.js';
import { withLayerDetails, type ClassifiedLayer, type ClassifyOptions } from './size.js';
import type { Descriptor } from '../image/registry.js';
import type { Registry } from '../image/registry.js';
import { TarLister } from '../image/tar.js';
import { createLayerDecoder } from '../image/encoder.js';
import { layerCompression, type LayerCompression } from '../image/oci-layout.js';


/** What one pass over a layer blob found. */
export interface LayerContents extends LayerDetails {
  digest: string;
  compressed: number;
  compression: LayerCompression;
  /** sha256 of the uncompressed tar: must equal the config's `rootfs.diff_ids` entry. */
  diffId: string;
  entries: LayerEntry[];
}

export class UnsupportedLayerError extends ActionError {
  constructor(
    readonly digest: string,
    readonly mediaType: string,
    reason: string,
  ) {
    super(`Layer ${digest} (${mediaType}) cannot be read: ${reason}`);
    this.name = 'UnsupportedLayerError';
  }
}


function decompressor(compression: LayerCompression): Transform | undefined {
  return compression === 'none' ? undefined : createLayerDecoder(compression);
}

/** A pass-through that hashes and counts what flows through it. */
function meter(): { stream: Transform; result: () => { bytes: number; digest: string } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ bytes, digest: `sha256:${hash.digest('hex')}` }) };
}

/**
 * Streams one layer blob through decompression once: counts the uncompressed bytes, hashes both
 * sides (the blob digest is verified) and lists the tar entries without keeping the blob.
 */
export async function readLayer(client: Registry, name: ImageName, layer: Descriptor): Promise<LayerContents> {
  const compression = layerCompression(layer.mediaType);
  if (!compression) throw new UnsupportedLayerError(layer.digest, layer.mediaType, 'unknown layer media type');
  const inflate = decompressor(compression);
  const response = await client.getBlob(name, layer.digest);
  if (!response.body) throw new ActionError(`The registry sent no body for layer ${layer.digest}`);
  const blob = meter();
  const tar = meter();
  const lister = new TarLister();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        lister.write(chunk);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  const source = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  try {
    await (inflate ? pipeline(source, blob.stream, inflate, tar.stream, sink) : pipeline(source, blob.stream, tar.stream, sink));
    lister.end();
  } catch (error) {
    throw new ActionError(`Reading layer ${layer.digest} of ${name.registry}/${name.repository} failed: ${(error as Error).message}`, { cause: error });
  }
  const compressed = blob.result();
  if (compressed.digest !== layer.digest) throw new ActionError(`Layer ${layer.digest} of ${name.registry}/${name.repository} arrived with digest ${compressed.digest}`);
  const uncompressed = tar.result();
  return { digest: layer.digest, compressed: compressed.bytes, compression, uncompressed: uncompressed.bytes, diffId: uncompressed.digest, entries: lister.entries };
}

/**
 * A layer reader for an image whose manifests reference compressed blobs the local layout lacks
 * (layers reused from the registry): such a layer is read from its uncompressed tar, which the
 * layout holds under its diff_id, and reported with the compressed digest and size of the
 * descriptor. Cheaper than downloading and gunzipping the blob, and the tar is verified against
 * the diff_id as it is read.
 */
export function readLayerVia(diffIds: ReadonlyMap<string, string>, read: typeof readLayer = readLayer): typeof readLayer {
  return async (client, name, layer) => {
    const diffId = diffIds.get(layer.digest);
    if (!diffId) return read(client, name, layer);
    const contents = await read(client, name, { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: 0 });
    return { ...contents, digest: layer.digest, compressed: layer.size, compression: layerCompression(layer.mediaType) ?? 'gzip' };
  };
}

/**
 * Reads layers at most once per digest within a run: platforms and tags share layers (the
 * rootfs layer of every platform is usually the same blob), and a failed read is not cached.
 */
export class LayerReader {
  private readonly cache = new Map<string, Promise<LayerContents>>();

  constructor(
    private readonly client: Registry,
    private readonly read: typeof readLayer = readLayer,
  ) {}

  layer(name: ImageName, layer: Descriptor): Promise<LayerContents> {
    let pending = this.cache.get(layer.digest);
    if (!pending) {
      pending = this.read(this.client, name, layer);
      this.cache.set(layer.digest, pending);
      pending.catch(() => this.cache.delete(layer.digest));
    }
    return pending;
  }

  /** Digests read (or being read) so far. */
  get cached(): string[] {
    return [...this.cache.keys()];
  }
}

/**
 * Fills in uncompressed sizes and contents for every layer of the given platforms (each layer read
 * once); a layer in `known` (what the image's own stored report says) is not read at all.
 */
export async function addLayerDetails(
  reader: LayerReader,
  name: ImageName,
  sizes: readonly PlatformSize[],
  options: ClassifyOptions = {},
  known: Readonly<Record<string, ClassifiedLayer>> = {},
): Promise<PlatformSize[]> {
  const details = new Map<string, LayerContents | ClassifiedLayer>(Object.entries(known));
  for (const size of sizes) {
    for (const layer of size.layers) {
      if (details.has(layer.digest)) continue;
      const mediaType = layer.mediaType ?? 'application/vnd.oci.image.layer.v1.tar+gzip';
      details.set(layer.digest, await reader.layer(name, { mediaType, digest: layer.digest, size: layer.compressed }));
    }
  }
  return sizes.map((size) => withLayerDetails(size, details, options));
}
