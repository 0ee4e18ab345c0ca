import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ActionError } from '../errors.js';
import { ustarHeader, type TarWriteEntry } from '../image/tar.js';
import { layerCompression, type OciImage } from '../image/oci-layout.js';
import { isIndex, type Descriptor, type Manifest, type Registry } from '../image/registry.js';
import type { Destination } from './destination.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_LAYOUT_FILE = '{"imageLayoutVersion":"1.0.0"}';

/** One file of a folder or archive this module writes; `read` gives its bytes when it is written. */
interface OutFile {
  name: string;
  read: () => Promise<Buffer>;
}

/** Reads the image's blobs: from the layout, or (reused and base layers) from the registry that holds them. */
function blobReader(image: OciImage, registry: Registry): (digest: string) => Promise<Buffer> {
  return async (digest) => {
    const local = path.join(image.dir, 'blobs', ...digest.split(':'));
    const data = await fs.readFile(local).catch(() => undefined);
    if (data) return data;
    const remote = image.remoteBlobs?.get(digest);
    if (!remote) throw new ActionError(`the image's blob ${digest} is neither in ${image.dir} nor in a registry`);
    return Buffer.from(await (await registry.getBlob(remote.from, digest)).arrayBuffer());
  };
}

/** Every blob the image references, root first (manifests, configs, layers), each once. */
async function imageDescriptors(root: Descriptor, read: (digest: string) => Promise<Buffer>): Promise<Descriptor[]> {
  const seen = new Map<string, Descriptor>();
  const walk = async (descriptor: Descriptor) => {
    if (seen.has(descriptor.digest)) return;
    seen.set(descriptor.digest, descriptor);
    const manifest = JSON.parse((await read(descriptor.digest)).toString('utf8')) as Manifest;
    if (isIndex(manifest)) for (const child of manifest.manifests) await walk(child);
    else for (const blob of [manifest.config, ...manifest.layers]) seen.set(blob.digest, blob);
  };
  await walk(root);
  return [...seen.values()];
}

/** The files of an OCI image layout holding just this image: oci-layout, index.json, blobs/sha256/* (sorted). */
export async function ociLayoutFiles(image: OciImage, registry: Registry): Promise<OutFile[]> {
  const read = blobReader(image, registry);
  const { mediaType, digest, size } = image.root;
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType, digest, size }] };
  const blobs = [...new Set((await imageDescriptors(image.root, read)).map((d) => d.digest))].sort();
  return [
    { name: 'oci-layout', read: async () => Buffer.from(OCI_LAYOUT_FILE) },
    { name: 'index.json', read: async () => Buffer.from(JSON.stringify(index)) },
    ...blobs.map((blob) => ({ name: `blobs/${blob.replace(':', '/')}`, read: () => read(blob) })),
  ];
}

/** The platform image of a single-platform root (an index of one image and, with attestations, their manifests). */
async function singleImage(image: OciImage, read: (digest: string) => Promise<Buffer>): Promise<Manifest & { config: Descriptor; layers: Descriptor[] }> {
  const root = JSON.parse((await read(image.root.digest)).toString('utf8')) as Manifest;
  if (!isIndex(root)) return root;
  const images = root.manifests.filter((m) => m.platform?.os !== 'unknown');
  if (images.length !== 1) throw new ActionError(`a docker-archive holds one image; this one has ${images.length} platforms`);
  return singleImage({ ...image, root: images[0]! }, read);
}

/** A layer as an uncompressed tar: the layout keeps the tar BuildKit or the direct engine wrote; otherwise it is decompressed. */
function uncompressedLayer(read: (digest: string) => Promise<Buffer>, layer: Descriptor, diffId: string): () => Promise<Buffer> {
  return async () => {
    const kept = await read(diffId).catch(() => undefined);
    if (kept) return kept;
    const data = await read(layer.digest);
    const compression = layerCompression(layer.mediaType);
    if (compression === 'gzip') return zlib.gunzipSync(data);
    const zstd = (zlib as { zstdDecompressSync?: (data: Buffer) => Buffer }).zstdDecompressSync;
    if (compression === 'zstd' && zstd) return zstd(data);
    if (compression === 'none') return data;
    throw new ActionError(`the layer ${layer.digest} (${layer.mediaType}) cannot be decompressed here for a docker-archive`);
  };
}

/**
 * The files of a `docker save` archive (what docker load, podman load and skopeo docker-archive:
 * read): manifest.json, the config as <hex>.json, each layer uncompressed as <diff_id hex>/layer.tar.
 */
export async function dockerArchiveFiles(image: OciImage, tags: readonly string[], registry: Registry): Promise<OutFile[]> {
  const read = blobReader(image, registry);
  const manifest = await singleImage(image, read);
  const config = JSON.parse((await read(manifest.config.digest)).toString('utf8')) as { rootfs: { diff_ids: string[] } };
  const configName = `${manifest.config.digest.split(':')[1]}.json`;
  const layers = manifest.layers.map((layer, i) => {
    const diffId = config.rootfs.diff_ids[i]!;
    return { name: `${diffId.split(':')[1]}/layer.tar`, read: uncompressedLayer(read, layer, diffId) };
  });
  const index = [{ Config: configName, RepoTags: [...tags], Layers: layers.map((l) => l.name) }];
  return [{ name: configName, read: () => read(manifest.config.digest) }, ...layers, { name: 'manifest.json', read: async () => Buffer.from(JSON.stringify(index)) }];
}

const BLOCK = 512;

/**
 * Writes a tar of `files` the same way every time: the folders on the way first, then files in the
 * given order, owner 0:0, time 0, modes 0755/0644; one file in memory at a time.
 */
export async function writeTarFile(file: string, files: readonly OutFile[]): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(`${file}.partial`, 'w');
  try {
    const written = new Set<string>();
    for (const entry of files) {
      const parts = entry.name.split('/');
      for (let i = 1; i < parts.length; i++) {
        const dir = `${parts.slice(0, i).join('/')}/`;
        if (!written.has(dir)) await handle.write(ustarHeader(tarEntry(dir, 'dir')));
        written.add(dir);
      }
      const data = await entry.read();
      await handle.write(ustarHeader(tarEntry(entry.name, 'file', data)));
      await handle.write(data);
      const padding = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (padding > 0) await handle.write(Buffer.alloc(padding));
    }
    await handle.write(Buffer.alloc(2 * BLOCK));
  } finally {
    await handle.close();
  }
  await fs.rename(`${file}.partial`, file);
}

function tarEntry(name: string, type: 'file' | 'dir', data?: Buffer): TarWriteEntry {
  return { name, type, mode: type === 'dir' ? 0o755 : 0o644, uid: 0, gid: 0, mtime: 0, ...(data ? { data } : {}) };
}

/** Writes the files into a folder (blobs already there are kept, index.json and oci-layout replaced). */
async function writeFolder(dir: string, files: readonly OutFile[]): Promise<void> {
  for (const entry of files) {
    const target = path.join(dir, ...entry.name.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    const exists = entry.name.startsWith('blobs/') && (await fs.access(target).then(() => true, () => false));
    if (!exists) await fs.writeFile(target, await entry.read());
  }
}

/** `output: oci:DIR`, `oci-archive:FILE`, `docker-archive:FILE`: the image written there, no registry involved. */
export function fileDestination(kind: 'oci' | 'oci-archive' | 'docker-archive', target: string, tags: readonly string[], registry: Registry): Destination {
  return {
    title: `Writing the image to ${kind}:${target}`,
    phase: 'output',
    tags: [],
    send: async (image, log) => {
      if (kind === 'oci') await writeFolder(target, await ociLayoutFiles(image, registry));
      else await writeTarFile(target, kind === 'oci-archive' ? await ociLayoutFiles(image, registry) : await dockerArchiveFiles(image, tags, registry));
      log(`Wrote ${image.root.digest} to ${kind}:${target}`);
    },
    tag: async () => undefined,
  };
}
