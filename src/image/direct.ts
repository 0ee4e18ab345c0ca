import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { formatPlatform, type Platform } from '../platform.js';
import { caBundle } from './context.js';
import { BINARY_DIR, CA_BUNDLE_PATH, IMAGE_EPOCH, NONROOT_UID, renderAccountFiles, ZONEINFO_PATH, type FinalStageSpec } from './dockerfile.js';
import { OCI_LAYER_TAR, type OciImage, type RemoteBlob } from './oci-layout.js';
import { parseImageName } from '../reference.js';
import { readBaseImage, type BaseConfig, type BaseImage, type HistoryEntry } from './base-image.js';
import type { Descriptor, Registry } from './registry.js';
import { writeTar, type TarWriteEntry } from './tar.js';

/*
 * The `direct` engine: the prebuilt-mode image written by the action itself, byte for byte what
 * BuildKit exports for the generated Dockerfile (renderPrebuiltDockerfile) with
 * `--output type=oci,compression=uncompressed,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=946684800`, so the
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
 * JSON.stringify's output, so replacing them everywhere is safe. A Map is written as an object in
 * its own order: a JS object puts integer-like keys (a port `9090`, a label `1`) before the
 * others whatever the insertion order, where Go's sorted map keys do not.
 */
export function goJson(value: unknown, indent?: string): string {
  return encodeJson(value, indent ?? '', '').replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON.stringify's output (same spacing), with Maps as ordered objects. */
function encodeJson(value: unknown, indent: string, depth: string): string {
  const inner = depth + indent;
  const wrap = (open: string, close: string, items: string[]) =>
    items.length === 0 ? `${open}${close}` : indent ? `${open}\n${inner}${items.join(`,\n${inner}`)}\n${depth}${close}` : `${open}${items.join(',')}${close}`;
  if (value instanceof Map) return encodeJson(new OrderedObject([...value.entries()]), indent, depth);
  if (value instanceof OrderedObject || (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function')) {
    const entries = value instanceof OrderedObject ? value.entries : Object.entries(value as Record<string, unknown>);
    const items = entries.filter(([, v]) => v !== undefined && typeof v !== 'function').map(([k, v]) => `${JSON.stringify(String(k))}:${indent ? ' ' : ''}${encodeJson(v, indent, inner)}`);
    return wrap('{', '}', items);
  }
  if (Array.isArray(value)) return wrap('[', ']', value.map((item) => (item === undefined || typeof item === 'function' ? 'null' : encodeJson(item, indent, inner))));
  return JSON.stringify(value) ?? 'null';
}

class OrderedObject {
  constructor(readonly entries: [unknown, unknown][]) {}
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

/** A map of the image config as Go marshals it: keys sorted by bytes (see goJson for why a Map). */
function sortedMap<T>(record: Readonly<Record<string, T>>): Map<string, T> {
  return new Map(Object.keys(record).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((key) => [key, record[key]!]));
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
  /** Our layers' diff_ids; a base's come first on their own. */
  diffIds: readonly string[];
  /** The base image's config (base-image other than scratch). */
  base?: BaseConfig;
}

/** Dockerfile `ARG` history text: `ARG NAME=value` with the build argument the frontend set. */
function targetArgs(platform: Platform): string[] {
  return [`ARG TARGETOS=${platform.os}`, `ARG TARGETARCH=${platform.arch}`, `ARG TARGETVARIANT=${platform.variant ?? ''}`];
}

/** A time as Go's time.Time marshals it (RFC 3339, fraction without trailing zeros, `Z` for UTC). */
export function goTime(text: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  if (!match) return text;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  const zone = /^(z|[+-]00:00)$/i.test(match[3]!) ? 'Z' : match[3]!;
  return `${match[1]}${fraction ? `.${fraction}` : ''}${zone}`;
}

/** A history entry in the field order of the OCI History struct, empty fields left out as Go does. */
function historyEntry(entry: HistoryEntry): HistoryEntry {
  return {
    ...(entry.created ? { created: goTime(entry.created) } : {}),
    ...(entry.created_by ? { created_by: entry.created_by } : {}),
    ...(entry.author ? { author: entry.author } : {}),
    ...(entry.comment ? { comment: entry.comment } : {}),
    ...(entry.empty_layer ? { empty_layer: true } : {}),
  };
}

/** `ENV key=value` on an env list: replaces the key in place, or appends it (BuildKit's addEnv). */
function setEnv(env: string[], key: string, value: string): string[] {
  const at = env.findIndex((entry) => entry.split('=')[0] === key);
  return at < 0 ? [...env, `${key}=${value}`] : env.map((entry, i) => (i === at ? `${key}=${value}` : entry));
}

type ConfigValue = Record<string, unknown>;

function nonEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Keeps the given keys in this order, leaving out empty ones (Go's `omitempty`). */
function ordered(value: ConfigValue, keys: readonly string[]): ConfigValue {
  return Object.fromEntries(keys.filter((key) => nonEmptyValue(value[key])).map((key) => [key, value[key]]));
}

/** dockerspec.DockerOCIImageConfig: the OCI ImageConfig fields, then Docker's extensions. */
const CONFIG_KEYS = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped', 'Healthcheck', 'OnBuild', 'Shell'];
const HEALTHCHECK_KEYS = ['Test', 'Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'];

/**
 * The image config BuildKit writes for the prebuilt Dockerfile: the top-level keys in Go's sorted
 * map order (the exporter re-marshals it as a map), the inner config in the order of the Go
 * struct, one history entry per instruction that commits one, every new time the epoch. On a base
 * image the frontend starts from the base's config: its env (PATH added when it has none), working
 * folder, labels, ports, volumes and history are kept, its Cmd is dropped by our ENTRYPOINT, and
 * its history entries and diff_ids come first, unchanged (rewrite-timestamp leaves the base alone).
 */
export function imageConfig(spec: ImageConfigSpec): Buffer {
  const { platform, stage, epoch, base } = spec;
  const created = rfc3339(epoch);
  const binary = `${BINARY_DIR}/${stage.binaryName}`;
  const baseConfig: ConfigValue = base ? { ...base.config } : { Env: [SCRATCH_PATH_ENV], WorkingDir: '/' };
  let env = Array.isArray(baseConfig.Env) ? (baseConfig.Env as string[]) : [];
  if (!env.some((entry) => entry.split('=')[0] === 'PATH')) env = [...env, SCRATCH_PATH_ENV];
  if (stage.rootfs.zoneinfo) env = setEnv(env, 'ZONEINFO', ZONEINFO_PATH);
  const dockerfileLabels = Object.keys(stage.labels).sort();
  const labels = { ...(baseConfig.Labels as Record<string, string> | undefined), ...stage.labels, ...spec.labels };
  const ports = stage.expose.map((port) => (port.includes('/') ? port : `${port}/tcp`));
  const user = `${NONROOT_UID}:${NONROOT_UID}`;

  const history: HistoryEntry[] = (base?.history ?? []).map(historyEntry);
  const commit = (createdBy: string, layer: boolean) => history.push({ created, created_by: layer ? `${createdBy} # buildkit` : createdBy, comment: HISTORY_COMMENT, ...(layer ? {} : { empty_layer: true as const }) });
  for (const arg of targetArgs(platform)) commit(arg, false);
  commit('COPY / /', true);
  commit(`COPY bin/${platform.os}-${platform.arch}${platform.variant ?? ''}/${stage.binaryName} ${binary}`, true);
  if (stage.rootfs.zoneinfo) commit(`ENV ZONEINFO=${ZONEINFO_PATH}`, false);
  if (dockerfileLabels.length > 0) commit(`LABEL ${dockerfileLabels.map((key) => `${key}=${stage.labels[key]}`).join(' ')}`, false);
  for (const port of ports) commit(`EXPOSE [${port}]`, false);
  commit(`USER ${user}`, false);
  commit(`ENTRYPOINT [${goQuote(binary)}]`, false);

  const exposed = { ...(baseConfig.ExposedPorts as Record<string, unknown> | undefined), ...Object.fromEntries(ports.map((port) => [port, {}])) };
  const healthcheck = baseConfig.Healthcheck as ConfigValue | undefined;
  const config = ordered(
    {
      ...baseConfig,
      User: user,
      ExposedPorts: sortedMap(exposed),
      Env: env,
      Entrypoint: [binary],
      // ENTRYPOINT drops the Cmd the base set.
      Cmd: undefined,
      Volumes: baseConfig.Volumes ? sortedMap(baseConfig.Volumes as Record<string, unknown>) : undefined,
      Labels: sortedMap(labels),
      Healthcheck: healthcheck ? ordered(healthcheck, HEALTHCHECK_KEYS) : undefined,
    },
    CONFIG_KEYS,
  );
  return Buffer.from(
    goJson(
      sortedRecord({
        architecture: platform.arch,
        ...(base?.author ? { author: base.author } : {}),
        config,
        created,
        history,
        os: platform.os,
        ...(base?.['os.features']?.length ? { 'os.features': base['os.features'] } : {}),
        ...(base?.['os.version'] ? { 'os.version': base['os.version'] } : {}),
        rootfs: { type: 'layers', diff_ids: [...(base?.rootfs?.diff_ids ?? []), ...spec.diffIds] },
        ...(platform.variant ? { variant: platform.variant } : {}),
      }),
    ),
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
  /** Reads the base image's manifests and config when stage.baseImage is not scratch. */
  registry?: Registry;
}

/**
 * Writes the prebuilt-mode image as an OCI layout without Docker, buildx or BuildKit: per platform
 * the rootfs layer and the binary layer (uncompressed, as BuildKit exports them before the action
 * compresses them), the config and the manifest; an index for several platforms.
 */
export async function writeDirectImage(spec: DirectImageSpec): Promise<OciImage> {
  if (spec.binaries.length === 0) throw new Error('the direct engine needs at least one binary');
  const annotations = parseAnnotations(spec.annotations);
  const single = spec.binaries.length === 1;
  if (single && (Object.keys(annotations.index).length > 0 || Object.keys(annotations.indexDescriptor).length > 0)) {
    throw new Error('index annotations need several platforms: a single-platform image has no index (buildx refuses them too)');
  }
  const layout = new LayoutWriter(spec.dir);
  await layout.init();
  // Every time in the layers and the config; see IMAGE_EPOCH for why it is not the commit's.
  const epoch = IMAGE_EPOCH;
  const zoneinfo = spec.stage.rootfs.zoneinfo ? await fs.readFile(spec.zoneinfoPath) : undefined;
  // BuildKit marks the layers it rewrote for rewrite-timestamp, and the mark stays in the manifest.
  const rewritten = { annotations: { 'buildkit/rewritten-timestamp': String(epoch) } };
  const rootfsLayer = { ...(await layout.blob(OCI_LAYER_TAR, layerTar(rootfsLayerFiles(spec.stage, zoneinfo), epoch))), ...rewritten };
  const bases = await readBases(spec);
  const remoteBlobs = new Map<string, RemoteBlob>();

  const manifests: Descriptor[] = [];
  for (const [i, binary] of spec.binaries.entries()) {
    const base = bases[i];
    const data = await fs.readFile(binary.path);
    const binaryLayer = { ...(await layout.blob(OCI_LAYER_TAR, layerTar([{ path: `${BINARY_DIR.slice(1)}/${spec.stage.binaryName}`, mode: 0o755, data }], epoch))), ...rewritten };
    const config = await layout.blob(
      OCI_CONFIG,
      imageConfig({ platform: binary.platform, stage: spec.stage, labels: spec.labels, epoch, diffIds: [rootfsLayer.digest, binaryLayer.digest], ...(base ? { base: base.config } : {}) }),
    );
    for (const [at, layer] of (base?.layers ?? []).entries()) remoteBlobs.set(layer.digest, { from: base!.from, diffId: base!.diffIds[at]!, base: true });
    const manifestAnnotations = nonEmpty(forPlatform(annotations.manifest, binary.platform));
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config,
      layers: manifestLayers(base?.layers ?? [], [rootfsLayer, binaryLayer]),
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
  return { dir: spec.dir, root, ...(remoteBlobs.size > 0 ? { remoteBlobs } : {}) };
}

/** The base image of every platform, in the order of the binaries; none on scratch. */
async function readBases(spec: DirectImageSpec): Promise<(BaseImage | undefined)[]> {
  if (spec.stage.baseImage === 'scratch') return spec.binaries.map(() => undefined);
  if (!spec.registry) throw new Error(`the direct engine needs a registry client to read base-image ${spec.stage.baseImage}`);
  const name = parseImageName(spec.stage.baseImage);
  return Promise.all(spec.binaries.map((binary) => readBaseImage(spec.registry!, name, binary.platform)));
}

/** A manifest's layers: the base's as the base has them (they stay in the registry), then ours. */
export function manifestLayers(base: readonly Descriptor[], ours: readonly Descriptor[]): Descriptor[] {
  return [...base.map(({ mediaType, digest, size, annotations }) => ({ mediaType, digest, size, ...(annotations ? { annotations } : {}) })), ...ours];
}
