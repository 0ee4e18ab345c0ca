import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { formatPlatform, type Platform } from '../platform.js';
import { caBundle } from './context.js';
import { BINARY_DIR, CA_BUNDLE_PATH, NONROOT_UID, renderAccountFiles, ZONEINFO_PATH, type FinalStageSpec } from './dockerfile.js';
import { OCI_LAYER_TAR, type OciImage } from './oci-layout.js';
import type { Descriptor } from './registry.js';
import { writeTar, type TarWriteEntry } from './tar.js';

/*
 * The `direct` engine: the prebuilt-mode image written by the action itself, byte for byte what
 * BuildKit exports for the generated Dockerfile (renderPrebuiltDockerfile) with
 * `--output type=oci,compression=uncompressed,oci-mediatypes=true,rewrite-timestamp=true`, so the
 * shared compress/annotate/push path gives the same digest with either engine. Every rule below
 * mirrors a BuildKit one; the integration test engine-direct.test.ts compares the two.
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

/** What the Dockerfile frontend gives a `FROM scratch` stage on Linux. */
export const SCRATCH_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const HISTORY_COMMENT = 'buildkit.dockerfile.v0';

/**
 * Go's encoding/json output for a value JSON.stringify also handles: the same text except that Go
 * escapes `<`, `>`, `&`, U+2028 and U+2029. These characters only ever occur inside strings in
 * JSON.stringify's output, so replacing them everywhere is safe.
 */
export function goJson(value: unknown, indent?: string): string {
  return JSON.stringify(value, null, indent).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go's `%q` of a string (strconv.Quote) for the printable text the action writes. */
function goQuote(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A file of a layer before the tar is written: its path in the image, mode and bytes. */
export interface LayerFile {
  /** Relative, slash-separated. */
  path: string;
  mode: number;
  data: Uint8Array;
}

/** Compares paths the way a directory walk orders them: name by name, byte order. */
function walkOrder(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] !== pb[i]) return Buffer.compare(Buffer.from(pa[i]!), Buffer.from(pb[i]!));
  }
  return pa.length - pb.length;
}

/**
 * The tar of one layer as containerd's diff writer lays it out: every folder on the way to a file
 * as its own entry (mode 0755) before what it holds, in directory-walk order, owned by 0:0, every
 * time set to the epoch.
 */
export function layerTar(files: readonly LayerFile[], epoch: number): Buffer {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries: TarWriteEntry[] = [
    ...[...dirs].map((dir): TarWriteEntry => ({ name: `${dir}/`, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: epoch })),
    ...files.map((file): TarWriteEntry => ({ name: file.path, type: 'file', mode: file.mode, uid: 0, gid: 0, mtime: epoch, data: file.data })),
  ];
  entries.sort((a, b) => walkOrder(a.name.replace(/\/$/, ''), b.name.replace(/\/$/, '')));
  return writeTar(entries);
}

/** The rootfs stage's files: /etc/passwd and /etc/group, and the CA bundle and zoneinfo when asked. */
export function rootfsLayerFiles(stage: FinalStageSpec, zoneinfo: Uint8Array | undefined): LayerFile[] {
  const accounts = renderAccountFiles();
  const files: LayerFile[] = [
    { path: 'etc/passwd', mode: 0o644, data: Buffer.from(accounts.passwd) },
    { path: 'etc/group', mode: 0o644, data: Buffer.from(accounts.group) },
  ];
  if (stage.rootfs.caCertificates) files.push({ path: CA_BUNDLE_PATH.slice(1), mode: 0o644, data: Buffer.from(caBundle()) });
  if (stage.rootfs.zoneinfo) {
    if (!zoneinfo) throw new Error('the zoneinfo layer file needs the bytes of Go\'s lib/time/zoneinfo.zip');
    files.push({ path: ZONEINFO_PATH.slice(1), mode: 0o644, data: zoneinfo });
  }
  return files;
}

/** Annotations as `--annotation` takes them, sorted out per level the way BuildKit's exporter does. */
export interface ParsedAnnotations {
  index: Record<string, string>;
  indexDescriptor: Record<string, string>;
  /** Per platform (formatPlatform), with the ones for every platform under ''. */
  manifest: Record<string, Record<string, string>>;
  manifestDescriptor: Record<string, Record<string, string>>;
}

/** Platform keys the way containerd normalizes them (`linux/arm` is `linux/arm/v7`, `arm64/v8` is `arm64`). */
function normalizePlatformKey(text: string): string {
  const [os = '', arch = '', variant] = text.toLowerCase().split('/');
  if (arch === 'arm' && !variant) return `${os}/arm/v7`;
  if ((arch === 'arm64' && variant === 'v8') || (arch === 'amd64' && variant === 'v1')) return `${os}/${arch}`;
  return [os, arch, variant].filter(Boolean).join('/');
}

/**
 * Parses `[type[platform],...:]key=value` (buildx's ParseAnnotations); no type means the manifest.
 * Later values of a key win, as they do in buildx's map.
 */
export function parseAnnotations(annotations: readonly string[]): ParsedAnnotations {
  const parsed: ParsedAnnotations = { index: {}, indexDescriptor: {}, manifest: {}, manifestDescriptor: {} };
  for (const annotation of annotations) {
    const equals = annotation.indexOf('=');
    if (equals < 0) throw new Error(`invalid annotation "${annotation}", expected key=value`);
    const name = annotation.slice(0, equals);
    const value = annotation.slice(equals + 1);
    const colon = name.indexOf(':');
    const key = colon < 0 ? name : name.slice(colon + 1);
    const types = colon < 0 ? [''] : name.slice(0, colon).split(',');
    for (const typeAndPlatform of types) {
      const match = /^([a-z-]*)(?:\[([A-Za-z0-9_/-]+)\])?$/.exec(typeAndPlatform);
      if (!match) throw new Error(`invalid annotation type "${typeAndPlatform}"`);
      const type = match[1] || 'manifest';
      const platform = match[2] ? normalizePlatformKey(match[2]) : '';
      if (type === 'index') parsed.index[key] = value;
      else if (type === 'index-descriptor') parsed.indexDescriptor[key] = value;
      else if (type === 'manifest') (parsed.manifest[platform] ??= {})[key] = value;
      else if (type === 'manifest-descriptor') (parsed.manifestDescriptor[platform] ??= {})[key] = value;
      else throw new Error(`unknown annotation type "${type}"`);
    }
  }
  return parsed;
}

function forPlatform(levels: Record<string, Record<string, string>>, platform: Platform): Record<string, string> {
  return { ...levels[''], ...levels[formatPlatform(platform)] };
}

function nonEmpty(record: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(record).length > 0 ? sortedRecord(record) : undefined;
}

/** Go marshals maps with their keys sorted; JSON.stringify keeps insertion order. */
function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.keys(record).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((key) => [key, record[key]!]));
}

function rfc3339(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
}

export interface ImageConfigSpec {
  platform: Platform;
  stage: FinalStageSpec;
  /** `--label` labels; they win over the Dockerfile's LABEL ones. */
  labels: Readonly<Record<string, string>>;
  epoch: number;
  diffIds: readonly string[];
}

/** Dockerfile `ARG` history text: `ARG NAME=value` with the build argument the frontend set. */
function targetArgs(platform: Platform): string[] {
  return [`ARG TARGETOS=${platform.os}`, `ARG TARGETARCH=${platform.arch}`, `ARG TARGETVARIANT=${platform.variant ?? ''}`];
}

/**
 * The image config BuildKit writes for the prebuilt Dockerfile on scratch: the top-level keys in
 * Go's sorted map order (the exporter re-marshals it as a map), the inner config in the order of
 * the Go struct, one history entry per instruction that commits one, every time the epoch.
 */
export function imageConfig(spec: ImageConfigSpec): Buffer {
  const { platform, stage, epoch } = spec;
  const created = rfc3339(epoch);
  const binary = `${BINARY_DIR}/${stage.binaryName}`;
  const env = [SCRATCH_PATH_ENV];
  if (stage.rootfs.zoneinfo) env.push(`ZONEINFO=${ZONEINFO_PATH}`);
  const dockerfileLabels = Object.keys(stage.labels).sort();
  const labels = { ...stage.labels, ...spec.labels };
  const ports = stage.expose.map((port) => (port.includes('/') ? port : `${port}/tcp`));
  const user = `${NONROOT_UID}:${NONROOT_UID}`;

  const history: { created: string; created_by: string; comment: string; empty_layer?: true }[] = [];
  const commit = (createdBy: string, layer: boolean) => history.push({ created, created_by: layer ? `${createdBy} # buildkit` : createdBy, comment: HISTORY_COMMENT, ...(layer ? {} : { empty_layer: true as const }) });
  for (const arg of targetArgs(platform)) commit(arg, false);
  commit('COPY / /', true);
  commit(`COPY bin/${platform.os}-${platform.arch}${platform.variant ?? ''}/${stage.binaryName} ${binary}`, true);
  if (stage.rootfs.zoneinfo) commit(`ENV ZONEINFO=${ZONEINFO_PATH}`, false);
  if (dockerfileLabels.length > 0) commit(`LABEL ${dockerfileLabels.map((key) => `${key}=${stage.labels[key]}`).join(' ')}`, false);
  for (const port of ports) commit(`EXPOSE [${port}]`, false);
  commit(`USER ${user}`, false);
  commit(`ENTRYPOINT [${goQuote(binary)}]`, false);

  const config = {
    User: user,
    ...(ports.length > 0 ? { ExposedPorts: sortedRecord(Object.fromEntries(ports.map((port) => [port, {}]))) } : {}),
    Env: env,
    Entrypoint: [binary],
    WorkingDir: '/',
    ...(Object.keys(labels).length > 0 ? { Labels: sortedRecord(labels) } : {}),
  };
  return Buffer.from(
    goJson({
      architecture: platform.arch,
      config,
      created,
      history,
      os: platform.os,
      rootfs: { type: 'layers', diff_ids: spec.diffIds },
      ...(platform.variant ? { variant: platform.variant } : {}),
    }),
  );
}

function digestOf(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Writes blobs into an OCI layout folder and hands back their descriptors. */
class LayoutWriter {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await fs.mkdir(path.join(this.dir, 'blobs', 'sha256'), { recursive: true });
    await fs.writeFile(path.join(this.dir, 'oci-layout'), goJson({ imageLayoutVersion: '1.0.0' }));
  }

  async blob(mediaType: string, data: Uint8Array): Promise<Descriptor> {
    const digest = digestOf(data);
    const file = path.join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
    await fs.writeFile(file, data);
    return { mediaType, digest, size: data.length };
  }
}

export interface DirectBinary {
  platform: Platform;
  /** The compiled binary on disk. */
  path: string;
}

export interface DirectImageSpec {
  /** An empty or missing folder the OCI layout is written to. */
  dir: string;
  /** One binary per platform, in the order of the `platforms` input (the index lists them so). */
  binaries: readonly DirectBinary[];
  stage: FinalStageSpec;
  /** Go's lib/time/zoneinfo.zip, read when the stage includes zoneinfo. */
  zoneinfoPath: string;
  labels: Readonly<Record<string, string>>;
  /** As the `annotations` input gives them (buildx `--annotation` form). */
  annotations: readonly string[];
  sourceDateEpoch: number;
}

/**
 * Writes the prebuilt-mode image as an OCI layout without Docker, buildx or BuildKit: per platform
 * the rootfs layer and the binary layer (uncompressed, as BuildKit exports them before the action
 * compresses them), the config and the manifest; an index for several platforms.
 */
export async function writeDirectImage(spec: DirectImageSpec): Promise<OciImage> {
  if (spec.stage.baseImage !== 'scratch') throw new Error(`the direct engine cannot build on base-image ${spec.stage.baseImage} yet`);
  if (spec.binaries.length === 0) throw new Error('the direct engine needs at least one binary');
  const annotations = parseAnnotations(spec.annotations);
  const single = spec.binaries.length === 1;
  if (single && (Object.keys(annotations.index).length > 0 || Object.keys(annotations.indexDescriptor).length > 0)) {
    throw new Error('index annotations need several platforms: a single-platform image has no index (buildx refuses them too)');
  }
  const layout = new LayoutWriter(spec.dir);
  await layout.init();
  const epoch = spec.sourceDateEpoch;
  const zoneinfo = spec.stage.rootfs.zoneinfo ? await fs.readFile(spec.zoneinfoPath) : undefined;
  // BuildKit marks the layers it rewrote for rewrite-timestamp, and the mark stays in the manifest.
  const rewritten = { annotations: { 'buildkit/rewritten-timestamp': String(epoch) } };
  const rootfsLayer = { ...(await layout.blob(OCI_LAYER_TAR, layerTar(rootfsLayerFiles(spec.stage, zoneinfo), epoch))), ...rewritten };

  const manifests: Descriptor[] = [];
  for (const binary of spec.binaries) {
    const data = await fs.readFile(binary.path);
    const binaryLayer = { ...(await layout.blob(OCI_LAYER_TAR, layerTar([{ path: `${BINARY_DIR.slice(1)}/${spec.stage.binaryName}`, mode: 0o755, data }], epoch))), ...rewritten };
    const config = await layout.blob(OCI_CONFIG, imageConfig({ platform: binary.platform, stage: spec.stage, labels: spec.labels, epoch, diffIds: [rootfsLayer.digest, binaryLayer.digest] }));
    const manifestAnnotations = nonEmpty(forPlatform(annotations.manifest, binary.platform));
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: [rootfsLayer, binaryLayer],
      ...(manifestAnnotations ? { annotations: manifestAnnotations } : {}),
    };
    const written = await layout.blob(OCI_MANIFEST, Buffer.from(goJson(manifest, '  ')));
    const descriptorAnnotations = nonEmpty(forPlatform(annotations.manifestDescriptor, binary.platform));
    const platform = { architecture: binary.platform.arch, os: binary.platform.os, ...(binary.platform.variant ? { variant: binary.platform.variant } : {}) };
    manifests.push({ ...written, ...(descriptorAnnotations ? { annotations: descriptorAnnotations } : {}), platform });
  }

  let root: Descriptor;
  if (single) {
    const { mediaType, digest, size } = manifests[0]!;
    root = { mediaType, digest, size };
  } else {
    const indexAnnotations = nonEmpty(annotations.index);
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests, ...(indexAnnotations ? { annotations: indexAnnotations } : {}) };
    root = await layout.blob(OCI_INDEX, Buffer.from(goJson(index, '  ')));
  }
  // As buildx's OCI export names the one image of its layout.
  const rootAnnotations = nonEmpty({ ...annotations.indexDescriptor, 'org.opencontainers.image.created': rfc3339(epoch), 'org.opencontainers.image.ref.name': 'latest' });
  await fs.writeFile(path.join(spec.dir, 'index.json'), goJson({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...root, annotations: rootAnnotations }] }));
  return { dir: spec.dir, root };
}
