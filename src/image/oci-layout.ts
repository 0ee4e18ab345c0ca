import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ActionError, errorMessage } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { parseImageName, repositoryRef, type ImageName } from '../reference.js';
import type { Compression } from './compression.js';
import { createLayerEncoder, type LayerEncoder } from './encoder.js';
import { EncoderPool } from './encoder-pool.js';
import { LAYER_COMPRESSION_ANNOTATION, sameEncoder, type ReusableLayers } from './layer-reuse.js';
import { findManifestIn, isIndex, LoginRejectedError, RegistryHttpError, type Descriptor, type ImageIndex, type Manifest, type Registry } from './registry.js';

export const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** The compression of a layer media type (OCI and Docker schema 2); undefined when unknown. */
export function layerCompression(mediaType: string): LayerCompression | undefined {
  if (/\+gzip$|\.tar\.gzip$|^application\/vnd\.docker\.image\.rootfs\.(foreign\.)?diff\.tar\.gzip$/.test(mediaType)) return 'gzip';
  if (/\+zstd$/.test(mediaType)) return 'zstd';
  if (/\.tar$/.test(mediaType)) return 'none';
  return undefined;
}

/** An image in an OCI layout folder (what `buildx --output type=oci,tar=false` writes). */
export interface OciImage {
  dir: string;
  /** The image: an index (several platforms) or a single image manifest. */
  root: Descriptor;
  /**
   * Blobs the manifests reference that are not in the folder: compressed layers reused from the
   * registry (by compressed digest), with where they are and the diff_id of the local tar.
   */
  remoteBlobs?: ReadonlyMap<string, RemoteBlob>;
}

export interface RemoteBlob {
  from: ImageName;
  diffId: string;
  /** A layer of the base image: its uncompressed tar is not in the layout either (see baseLayerDigests). */
  base?: boolean;
}

/** Compressed digest -> diff_id of the remote layers whose tar the layout holds (reused ones), for readLayerVia. */
export function localDiffIds(image: OciImage): Map<string, string> {
  return new Map([...(image.remoteBlobs ?? [])].filter(([, blob]) => !blob.base).map(([digest, blob]) => [digest, blob.diffId]));
}

/** The layers the image has from its base image (the direct engine's remote base layers). */
export function baseLayerDigests(image: OciImage): Set<string> {
  return new Set([...(image.remoteBlobs ?? [])].filter(([, blob]) => blob.base).map(([digest]) => digest));
}

export interface CompressOptions {
  /** Compressed layers the registry already holds, by diff_id (see layer-reuse.ts). */
  reusable?: ReusableLayers;
  /** The encoder; by default the one `compression` names, on a pool of worker threads made for the call. */
  encoder?: LayerEncoder;
  /** Told once per distinct layer, when it is compressed or found reusable, for the log. */
  onLayer?: (layer: CompressedLayer) => void;
}

/** One layer as compressLayers left it: sizes before and after, and how long it took. */
export interface CompressedLayer {
  diffId: string;
  uncompressed: number;
  compressed: number;
  /** Wall time of this layer's compression (layers compress concurrently); 0 when reused. */
  seconds: number;
  /** Taken from an image the registry already holds (same diff_id, same compression), not compressed again. */
  reused: boolean;
}

/** One log line per layer: `sha256:1a2b3c4d5e6f 5.76 MiB -> 2.31 MiB (40.1%) in 0.52 s`. */
export function describeCompressedLayer(layer: CompressedLayer): string {
  const sizes = `${formatBytes(layer.uncompressed)} -> ${formatBytes(layer.compressed)} (${((100 * layer.compressed) / Math.max(layer.uncompressed, 1)).toFixed(1)}%)`;
  return `${layer.diffId.slice(0, 19)} ${sizes} ${layer.reused ? 'reused, not compressed again' : `in ${layer.seconds.toFixed(2)} s`}`;
}

function blobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return path.join(dir, 'blobs', algorithm!, hex!);
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function readJson<T>(dir: string, digest: string): Promise<T> {
  return JSON.parse(await fs.readFile(blobPath(dir, digest), 'utf8')) as T;
}

async function writeBlob(dir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  const file = blobPath(dir, digest);
  // buildx writes blobs read-only; an identical blob is already there.
  const exists = await fs.access(file).then(() => true, () => false);
  if (!exists) await fs.writeFile(file, data);
  return { digest, size: data.length };
}

/** The one image buildx exported into the layout. */
export async function readOciImage(dir: string): Promise<OciImage> {
  const index = JSON.parse(await fs.readFile(path.join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  if (index.manifests.length !== 1) throw new Error(`the OCI layout in ${dir} holds ${index.manifests.length} images, expected one`);
  // The layout's own annotations (ref name, created) describe the folder, not the image.
  const { mediaType, digest, size } = index.manifests[0]!;
  return { dir, root: { mediaType, digest, size } };
}

/**
 * Compresses every uncompressed layer with the encoder `compression` names (see encoder.ts: gzip
 * with libdeflate, or zstd), all layers of all platforms sharing one pool of worker threads, and
 * rewrites the manifests and index to match. A layer the registry already holds with the same
 * encoder and settings (`reusable`) is referenced instead of compressed again.
 * The config is untouched: its diff_ids are digests of the uncompressed layers.
 */
export async function compressLayers(image: OciImage, compression: Compression, options: CompressOptions = {}): Promise<OciImage> {
  const pool = options.encoder ? undefined : new EncoderPool();
  try {
    return await compressLayersWith(options.encoder ?? createLayerEncoder(compression, pool!), image, options.reusable ?? new Map(), options.onLayer ?? (() => undefined));
  } finally {
    await pool?.close();
  }
}

async function compressLayersWith(encoder: LayerEncoder, image: OciImage, reusable: ReusableLayers, onLayer: (layer: CompressedLayer) => void): Promise<OciImage> {
  const compressed = new Map<string, Promise<Descriptor>>();
  const remoteBlobs = new Map<string, RemoteBlob>(image.remoteBlobs);
  const annotation = { [LAYER_COMPRESSION_ANNOTATION]: encoder.settings };
  const rewrite = async (descriptor: Descriptor): Promise<Descriptor> => {
    const manifest = await readJson<Manifest>(image.dir, descriptor.digest);
    if (isIndex(manifest)) {
      const manifests = await Promise.all(manifest.manifests.map(rewrite));
      const blob = await writeBlob(image.dir, Buffer.from(JSON.stringify({ ...manifest, manifests })));
      return { ...descriptor, ...blob };
    }
    const layers = await Promise.all(
      manifest.layers.map(async (layer) => {
        if (layer.mediaType !== OCI_LAYER_TAR) return layer;
        let done = compressed.get(layer.digest);
        const reuse = reusable.get(layer.digest);
        if (!done && reuse && sameEncoder(reuse.descriptor, encoder)) {
          const { mediaType, digest, size, annotations } = reuse.descriptor;
          remoteBlobs.set(digest, { from: reuse.from, diffId: layer.digest });
          onLayer({ diffId: layer.digest, uncompressed: layer.size, compressed: size, seconds: 0, reused: true });
          done = Promise.resolve({ mediaType, digest, size, annotations });
          compressed.set(layer.digest, done);
        }
        if (!done) {
          // Kept as a promise at once: platforms sharing a layer compress it once even when concurrent.
          done = (async () => {
            const started = performance.now();
            const data = await encoder.encode(await fs.readFile(blobPath(image.dir, layer.digest)));
            onLayer({ diffId: layer.digest, uncompressed: layer.size, compressed: data.length, seconds: (performance.now() - started) / 1000, reused: false });
            return { ...layer, mediaType: encoder.mediaType, ...(await writeBlob(image.dir, data)), annotations: { ...layer.annotations, ...annotation } };
          })();
          compressed.set(layer.digest, done);
        }
        return done;
      }),
    );
    const blob = await writeBlob(image.dir, Buffer.from(JSON.stringify({ ...manifest, layers })));
    return { ...descriptor, ...blob };
  };
  const root = await rewrite(image.root);
  return { dir: image.dir, root, ...(remoteBlobs.size > 0 ? { remoteBlobs } : {}) };
}

/** Adds annotations to the image's root manifest (the index, or the single manifest). */
export async function annotateRoot(image: OciImage, annotations: Readonly<Record<string, string>>): Promise<OciImage> {
  const manifest = await readJson<Manifest & { annotations?: Record<string, string> }>(image.dir, image.root.digest);
  const blob = await writeBlob(image.dir, Buffer.from(JSON.stringify({ ...manifest, annotations: { ...manifest.annotations, ...annotations } })));
  return { ...image, root: { ...image.root, ...blob } };
}

export interface PushTarget {
  name: ImageName;
  /** Tags to point at the image; none for a push by digest. */
  tags: string[];
}

/** Groups full tag references by repository: blobs are pushed once per repository. */
export function pushTargets(image: ImageName, tagRefs: readonly string[]): PushTarget[] {
  const targets = new Map<string, PushTarget>([[repositoryRef(image), { name: { registry: image.registry, repository: image.repository }, tags: [] }]]);
  for (const ref of tagRefs) {
    const name = parseImageName(ref);
    const key = repositoryRef(name);
    if (!targets.has(key)) targets.set(key, { name: { registry: name.registry, repository: name.repository }, tags: [] });
    targets.get(key)!.tags.push(name.tag!);
  }
  return [...targets.values()];
}

/**
 * Pushes the image by digest so that nothing points at what is not there yet: every blob first
 * (skipping ones the registry has), then each platform manifest, then the index. No tag moves:
 * tagOciImage does that once the size gate has passed. A failure part way leaves, at worst,
 * unreferenced blobs.
 */
export async function pushOciImage(client: Registry, image: OciImage, targets: readonly PushTarget[], log: (message: string) => void): Promise<void> {
  const manifests: { descriptor: Descriptor; body: Buffer }[] = [];
  const blobs = new Map<string, number>();
  const collect = async (descriptor: Descriptor) => {
    const body = await fs.readFile(blobPath(image.dir, descriptor.digest));
    const manifest = JSON.parse(body.toString('utf8')) as Manifest;
    if (isIndex(manifest)) for (const child of manifest.manifests) await collect(child);
    else for (const blob of [manifest.config, ...manifest.layers]) blobs.set(blob.digest, blob.size);
    manifests.push({ descriptor, body });
  };
  await collect(image.root);

  for (const target of targets) {
    const where = `${target.name.registry}/${target.name.repository}`;
    let uploaded = 0;
    let mounted = 0;
    let stage = `uploading blobs (0 of ${blobs.size} done)`;
    try {
      let done = 0;
      for (const [digest, size] of blobs) {
        stage = `uploading blobs (${done} of ${blobs.size} done)`;
        if (!(await client.hasBlob(target.name, digest))) {
          const remote = image.remoteBlobs?.get(digest);
          if (!remote) {
            await client.putBlob(target.name, digest, await fs.readFile(blobPath(image.dir, digest)));
            uploaded += size;
          } else if (remote.from.registry.toLowerCase() === target.name.registry.toLowerCase() && (await client.mountBlob(target.name, digest, remote.from.repository))) {
            mounted++;
          } else {
            // Another registry, or one that refuses mounts: copy the reused blob through the runner.
            await client.putBlob(target.name, digest, Buffer.from(await (await client.getBlob(remote.from, digest)).arrayBuffer()));
            uploaded += size;
          }
        }
        done++;
      }
      stage = 'pushing the manifests by digest';
      for (const { descriptor, body } of manifests) await client.putManifest(target.name, descriptor.digest, descriptor.mediaType, body);
    } catch (error) {
      throw pushFailure(`Pushing ${where}@${image.root.digest} failed while ${stage}; no tag was written`, error);
    }
    log(`Pushed ${where}@${image.root.digest} by digest (${uploaded} new blob bytes${mounted > 0 ? `, ${mounted} blobs mounted from another repository` : ''})`);
  }
}

function pushFailure(what: string, error: unknown): ActionError {
  // A rejected login names its own cause; a missing one gets the hint.
  const denied = error instanceof RegistryHttpError && !(error instanceof LoginRejectedError) && (error.status === 401 || error.status === 403);
  return new ActionError(
    `${what}: ${errorMessage(error)}` + (denied ? '\nHint: log in to the registry before this step (docker/login-action) and give the job permission to push.' : ''),
    { cause: error },
  );
}

/** Points every target's tags at the image pushed by pushOciImage (its root manifest, byte for byte). */
export async function tagOciImage(client: Registry, image: OciImage, targets: readonly PushTarget[], log: (message: string) => void): Promise<void> {
  const body = await fs.readFile(blobPath(image.dir, image.root.digest));
  for (const target of targets) {
    const where = `${target.name.registry}/${target.name.repository}`;
    const tagged: string[] = [];
    for (const tag of target.tags) {
      try {
        await client.putManifest(target.name, tag, image.root.mediaType, body);
      } catch (error) {
        const done = tagged.length > 0 ? `; ${tagged.join(', ')} already point at it` : '';
        throw pushFailure(`Tagging ${where}@${image.root.digest} as ${tag} failed${done}`, error);
      }
      tagged.push(tag);
    }
    if (tagged.length > 0) log(`Tagged ${where}@${image.root.digest} as ${tagged.join(', ')}`);
  }
}

/**
 * Reads the image's manifests and blobs from the local OCI layout, in front of a registry: the size
 * report of an image that is not pushed (a fork's pull request) is computed from exactly the bytes a
 * push would send. Blobs the layout lacks (the direct engine's base layers) are read from the
 * repository that holds them; everything else (tags, writes) goes to the registry it wraps.
 */
export class OciLayoutClient implements Registry {
  constructor(
    private readonly dir: string,
    private readonly inner: Registry,
    private readonly remoteBlobs?: ReadonlyMap<string, RemoteBlob>,
  ) {}

  private async readLocal(digest: string): Promise<Buffer | undefined> {
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) return undefined;
    return fs.readFile(blobPath(this.dir, digest)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
  }

  async getManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string; bytes: number }> {
    const body = await this.readLocal(reference);
    if (!body) return this.inner.getManifest(name, reference);
    return { manifest: JSON.parse(body.toString('utf8')) as Manifest, digest: reference, bytes: body.length };
  }

  async getManifestBytes(name: ImageName, reference: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    const body = await this.readLocal(reference);
    if (!body) return this.inner.getManifestBytes(name, reference);
    const mediaType = (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType ?? '';
    return { body, mediaType, digest: reference };
  }

  findManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string } | undefined> {
    return findManifestIn(this, name, reference);
  }

  async getBlob(name: ImageName, digest: string): Promise<Response> {
    const remote = this.remoteBlobs?.get(digest);
    if (remote?.base) return this.inner.getBlob(remote.from, digest);
    const local = await this.readLocal(digest);
    return local ? new Response(local) : this.inner.getBlob(remote?.from ?? name, digest);
  }

  async getJsonBlob(name: ImageName, digest: string): Promise<unknown> {
    return (await this.getBlob(name, digest)).json();
  }

  listTags(name: ImageName): Promise<string[]> {
    return this.inner.listTags(name);
  }

  hasBlob(name: ImageName, digest: string): Promise<boolean> {
    return this.inner.hasBlob(name, digest);
  }

  mountBlob(name: ImageName, digest: string, fromRepository: string): Promise<boolean> {
    return this.inner.mountBlob(name, digest, fromRepository);
  }

  putBlob(name: ImageName, digest: string, data: Buffer): Promise<void> {
    return this.inner.putBlob(name, digest, data);
  }

  putManifest(name: ImageName, reference: string, mediaType: string, body: Buffer): Promise<string> {
    return this.inner.putManifest(name, reference, mediaType, body);
  }

  putReferrerManifest(name: ImageName, digest: string, mediaType: string, body: Buffer): Promise<{ digest: string; subjectProcessed: boolean }> {
    return this.inner.putReferrerManifest(name, digest, mediaType, body);
  }

  getReferrers(name: ImageName, digest: string): Promise<ImageIndex | undefined> {
    return this.inner.getReferrers(name, digest);
  }

  deleteManifest(name: ImageName, digest: string): Promise<boolean> {
    return this.inner.deleteManifest(name, digest);
  }
}
