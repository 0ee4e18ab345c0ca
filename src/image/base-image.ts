import { ActionError } from '../errors.js';
import { formatPlatform, type Platform } from '../platform.js';
import { formatImageName, type ImageName } from '../reference.js';
import { isIndex, type Descriptor, type ImageIndex, type ImageManifest, type Registry } from './registry.js';

/*
 * The `base-image` of the direct engine: per platform, the base's manifest and config, read through
 * the action's registry client. Its layers stay in the registry (compressed, as the base has them)
 * and are mounted or copied at push time; the direct engine appends its own layers and config
 * changes the way the Dockerfile frontend does on `FROM <base-image>`.
 */

/** One history entry of an image config (the OCI History struct). */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The parts of an image config the Dockerfile frontend carries over from a base (dockerspec.DockerOCIImage). */
export interface BaseConfig {
  author?: string;
  'os.version'?: string;
  'os.features'?: string[];
  config?: Record<string, unknown>;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: HistoryEntry[];
}

/** The base image of one target platform: what the direct engine builds on. */
export interface BaseImage {
  /** Where the base's blobs are, for the cross-repository mount (or the copy) at push time. */
  from: ImageName;
  config: BaseConfig;
  /** The base's layer descriptors as BuildKit lists them in an OCI export. */
  layers: Descriptor[];
  diffIds: string[];
}

const OCI_MEDIA_TYPES: Record<string, string> = {
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'application/vnd.oci.image.layer.v1.tar+zstd',
};

/** Layer annotations BuildKit keeps from a pulled descriptor (filterAnnotationsForSave: the eStargz ones). */
const KEPT_LAYER_ANNOTATIONS = ['containerd.io/snapshot/stargz/toc.digest', 'io.containers.estargz.uncompressed-size'];

/** Platform text as containerd compares it: `arm` means `arm/v7`, `arm64/v8` is `arm64`. */
function platformKey(platform: { os: string; architecture: string; variant?: string | undefined }): string {
  let variant = platform.variant ?? '';
  if (platform.architecture === 'arm' && !variant) variant = 'v7';
  if ((platform.architecture === 'arm64' && variant === 'v8') || (platform.architecture === 'amd64' && variant === 'v1')) variant = '';
  return [platform.os, platform.architecture, variant].filter(Boolean).join('/');
}

/** The index entry of the platform (pure); attestation manifests never match. */
export function platformManifest(index: ImageIndex, platform: Platform): Descriptor | undefined {
  const wanted = platformKey({ os: platform.os, architecture: platform.arch, ...(platform.variant ? { variant: platform.variant } : {}) });
  return index.manifests.find((m) => m.platform && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' && platformKey(m.platform) === wanted);
}

/**
 * The base's layers as BuildKit's OCI export lists them (pure): OCI media types (Docker schema 2
 * ones converted), digest and size as in the base, no annotation but the eStargz ones. A base
 * the direct engine cannot reproduce BuildKit's result for is refused with the reason.
 */
export function baseLayers(manifest: ImageManifest, config: BaseConfig, where: string): { layers: Descriptor[]; diffIds: string[] } {
  const refuse = (why: string) => new ActionError(`The direct engine cannot build on base-image ${where}: ${why}. Use engine: buildx for this base.`);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) throw refuse(`its config lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers`);
  const history = config.history ?? [];
  const historyLayers = history.filter((h) => !h.empty_layer).length;
  // BuildKit makes up history entries (and times) for layers the base's history leaves out.
  if (historyLayers !== manifest.layers.length) throw refuse(`its history accounts for ${historyLayers} of its ${manifest.layers.length} layers`);
  if (history.some((h) => !h.created)) throw refuse('a history entry has no created time');
  if (Array.isArray(config.config?.OnBuild) && config.config.OnBuild.length > 0) throw refuse('it has ONBUILD triggers, which only BuildKit can run');
  const layers = manifest.layers.map((layer): Descriptor => {
    const mediaType = OCI_MEDIA_TYPES[layer.mediaType];
    if (!mediaType) throw refuse(`layer ${layer.digest} is ${layer.mediaType}, not a gzip or zstd layer`);
    const annotations = Object.fromEntries(KEPT_LAYER_ANNOTATIONS.filter((key) => layer.annotations?.[key] !== undefined).map((key) => [key, layer.annotations![key]!]));
    return { mediaType, digest: layer.digest, size: layer.size, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  });
  return { layers, diffIds };
}

/**
 * Reads the base image of one platform: its manifest (through the index when it has one) and its
 * config. Only manifests and the config (a few KB) are read, never a layer.
 */
export async function readBaseImage(client: Registry, name: ImageName, platform: Platform): Promise<BaseImage> {
  const where = formatImageName(name);
  const from = { registry: name.registry, repository: name.repository };
  let manifest;
  try {
    const root = await client.getManifest(name, name.digest ?? name.tag ?? 'latest');
    manifest = root.manifest;
    if (isIndex(manifest)) {
      const entry = platformManifest(manifest, platform);
      if (!entry) {
        const offered = manifest.manifests.flatMap((m) => (m.platform ? [platformKey(m.platform)] : [])).join(', ');
        throw new ActionError(`base-image ${where} has no ${formatPlatform(platform)} image (it has ${offered || 'no platform'}); pick a base that offers every platform of the platforms input`);
      }
      manifest = (await client.getManifest(name, entry.digest)).manifest;
    }
    if (isIndex(manifest)) throw new ActionError(`base-image ${where}: the ${formatPlatform(platform)} entry of its index is another index`);
  } catch (error) {
    if (error instanceof ActionError) throw error;
    throw new ActionError(`base-image ${where} could not be read: ${(error as Error).message}`, { cause: error });
  }
  const config = (await (await client.getBlob(name, manifest.config.digest)).json()) as BaseConfig & { architecture?: string; os?: string };
  if (config.os && config.architecture && (config.os !== platform.os || config.architecture !== platform.arch)) {
    throw new ActionError(`base-image ${where} is ${config.os}/${config.architecture}, not ${formatPlatform(platform)}; pick a multi-platform base or one for this platform`);
  }
  return { from, config, ...baseLayers(manifest, config, where) };
}
