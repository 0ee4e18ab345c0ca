import { randomUUID } from 'node:crypto';
import { ActionError, errorMessage } from '../errors.js';
import type { Exec } from '../tools.js';
import { formatPlatform, type Platform } from '../platform.js';
import { parseImageName, repositoryRef, type ImageName } from '../reference.js';
import { registryErrorHint } from './buildx.js';
import { platformTagSuffix } from './cache.js';
import { goJson } from './direct.js';
import { sha256 } from './oci-layout.js';
import { isIndex, type Descriptor, type ImageIndex, type Registry } from './registry.js';
import { sanitizeTag } from './tags.js';

/*
 * Matrix builds: each leg pushes its platform image by digest and points a temporary tag at it;
 * the merge job finds the legs by those tags, composes one index (the bytes `docker buildx
 * imagetools create` would write), pushes it by digest and verifies it. Only once the size gate
 * passed does it put the index on the tags and remove the temporary tags; a rejected index is left
 * untagged, and so are the legs still findable by a re-run.
 *
 * Why a temporary tag rather than an OCI referrer: the merge job must find a leg knowing only the
 * commit, the run and the platform. A tag is a name it can compute; a referrer hangs off a subject
 * digest the merge job does not know, and the referrers API is missing on many registries
 * (Docker Hub's fallback tag scheme needs the subject digest too).
 */

const SHORT_SHA = 7;

export interface LegKey {
  /** Commit the run builds (RunContext.sha). */
  sha: string;
  /**
   * GITHUB_RUN_ID. Part of the tag because a branch push and a tag push of the same commit run
   * concurrently and may build different images (the version stamped into the binary); the run id
   * is the same for every job and every re-run attempt of one workflow run.
   */
  runId?: string;
}

/** `<sha7>[-<run id>]`, the part every leg of one run shares. */
export function legPrefix(key: LegKey): string {
  if (!/^[0-9a-f]{7,64}$/i.test(key.sha)) throw new ActionError(`cannot name the matrix legs: "${key.sha}" is not a commit SHA`);
  return [key.sha.slice(0, SHORT_SHA).toLowerCase(), key.runId].filter(Boolean).join('-');
}

/** The temporary tag of one leg: `<sha7>[-<run id>]-<os>-<arch>[-<variant>]` (pure). */
export function temporaryTag(key: LegKey, platform: Platform): string {
  return sanitizeTag(`${legPrefix(key)}-${platformTagSuffix(platform)}`);
}

/** Annotation on the merged index naming the legs it was stitched from, so a re-run can recognise it. */
export const LEGS_ANNOTATION = 'io.github.go-slim-image.legs';
export const REVISION_ANNOTATION = 'org.opencontainers.image.revision';

export interface ImagetoolsCreateSpec {
  /** --builder; empty for the current builder (imagetools reads its registry configuration). */
  builder?: string;
  /** Full references the index is pushed to. */
  tags: readonly string[];
  /** Index-level annotations. */
  annotations?: Readonly<Record<string, string>>;
  /** `repository@digest` of each platform image, in the order the index lists them. */
  sources: readonly string[];
}

/**
 * The `docker buildx imagetools create` argv (pure). imagetools writes the index as the sources
 * come (descriptors with the platform read from each config), annotations sorted by Go's JSON map
 * encoding, no time stamps: the same sources in the same order give the same index digest.
 */
export function imagetoolsCreateArgs(spec: ImagetoolsCreateSpec): string[] {
  if (spec.tags.length === 0) throw new ActionError('merge needs at least one tag to push the index to');
  if (spec.sources.length === 0) throw new ActionError('merge needs at least one platform image');
  const args = ['buildx', 'imagetools', 'create'];
  if (spec.builder) args.push('--builder', spec.builder);
  for (const tag of spec.tags) args.push('--tag', tag);
  const annotations = spec.annotations ?? {};
  for (const key of Object.keys(annotations).sort()) args.push('--annotation', `index:${key}=${annotations[key]}`);
  args.push(...spec.sources);
  return args;
}

/** A leg found by its temporary tag. */
export interface Leg {
  platform: Platform;
  tag: string;
  digest: string;
  mediaType: string;
  /** The annotations of the leg's root manifest (where a leg stores its size report). */
  annotations?: Record<string, string>;
}

/** `artifactType` of the manifest a removed temporary tag is pointed at before it is deleted. */
export const TOMBSTONE_ARTIFACT_TYPE = 'application/vnd.go-slim-image.removed-tag.v1';
const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
const EMPTY_BLOB = Buffer.from('{}');
const EMPTY_DESCRIPTOR = { mediaType: EMPTY_MEDIA_TYPE, digest: sha256(EMPTY_BLOB), size: 2, data: EMPTY_BLOB.toString('base64') };
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** Annotation of a tombstone naming the tag removal that owns it (see tombstoneManifest). */
export const TOMBSTONE_OWNER_ANNOTATION = 'io.github.go-slim-image.removal';

/**
 * The manifest one tag removal moves its temporary tags to (pure: the same owner gives the same
 * bytes): an OCI 1.1 artifact with the empty config and layer. Each removal has its own, so that
 * deleting it by digest removes exactly the tags that removal moved onto it. A tombstone shared by
 * two merges racing (a re-run beside the first run) is not safe: in distribution a DELETE removes
 * the manifest's revision link and then untags what points at it, and a tag the other merge moves
 * onto it between those two steps is left listed, pointing at a manifest that is gone, while the
 * other merge's own DELETE answers 404.
 */
export function tombstoneManifest(owner: string): { bytes: Buffer; digest: string } {
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: TOMBSTONE_ARTIFACT_TYPE,
    config: EMPTY_DESCRIPTOR,
    layers: [EMPTY_DESCRIPTOR],
    annotations: { 'org.opencontainers.image.description': 'go-slim-image: a removed temporary tag', [TOMBSTONE_OWNER_ANNOTATION]: owner },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { bytes, digest: sha256(bytes) };
}

function isTombstone(manifest: unknown): boolean {
  return (manifest as { artifactType?: string }).artifactType === TOMBSTONE_ARTIFACT_TYPE;
}

function descriptorPlatform(d: Descriptor): string {
  return d.platform ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/') : 'unknown';
}

/** Platforms an index offers, leaving out attestation manifests (`unknown/unknown`). */
export function indexPlatforms(index: ImageIndex): string[] {
  return index.manifests
    .filter((m) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' && m.platform && m.platform.os !== 'unknown')
    .map(descriptorPlatform);
}

/**
 * Finds each leg by its temporary tag and checks it is an image for that platform (its config, or
 * its index entries for a leg pushed with attestations). Missing legs (never pushed, or their tag
 * already removed by a merge that won a race) are listed instead of failing here.
 */
export async function findLegs(client: Registry, image: ImageName, platforms: readonly Platform[], key: LegKey): Promise<{ legs: Leg[]; missing: string[] }> {
  const legs: Leg[] = [];
  const missing: string[] = [];
  for (const platform of platforms) {
    const tag = temporaryTag(key, platform);
    const found = await client.findManifest(image, tag);
    if (!found || isTombstone(found.manifest)) {
      missing.push(tag);
      continue;
    }
    const mediaType = found.manifest.mediaType ?? OCI_MANIFEST;
    let platformsFound: string[];
    if (isIndex(found.manifest)) {
      platformsFound = indexPlatforms(found.manifest);
    } else {
      const config = (await (await client.getBlob(image, found.manifest.config.digest)).json()) as { os?: string; architecture?: string; variant?: string };
      platformsFound = [[config.os, config.architecture, config.variant].filter(Boolean).join('/')];
    }
    if (!platformsFound.includes(formatPlatform(platform))) {
      throw new ActionError(`${repositoryRef(image)}:${tag} should be a ${formatPlatform(platform)} image but holds ${platformsFound.join(', ') || 'no platform'}`);
    }
    const annotations = (found.manifest as { annotations?: Record<string, string> }).annotations;
    legs.push({ platform, tag, digest: found.digest, mediaType, ...(annotations ? { annotations } : {}) });
  }
  return { legs, missing };
}

export interface VerifiedIndex {
  digest: string;
  platforms: string[];
}

/**
 * Reads every reference (a tag, or `repository@digest` for the index pushed by digest) back
 * through the registry API (not through buildx) and checks they name one index with exactly the
 * wanted platforms, each of whose manifests exists.
 */
export async function verifyIndex(client: Registry, references: readonly string[], platforms: readonly Platform[]): Promise<VerifiedIndex> {
  const wanted = platforms.map(formatPlatform).sort();
  let digest = '';
  let found: string[] = [];
  for (const reference of references) {
    const name = parseImageName(reference);
    const { manifest, digest: tagDigest } = await client.getManifest(name, name.digest ?? name.tag ?? 'latest');
    if (!isIndex(manifest)) throw new ActionError(`${reference} is not an image index after the merge`);
    if (digest && tagDigest !== digest) throw new ActionError(`${reference} points at ${tagDigest}, other tags at ${digest}`);
    digest = tagDigest;
    found = indexPlatforms(manifest).sort();
    if (found.join(',') !== wanted.join(',')) throw new ActionError(`${reference} holds the platforms ${found.join(', ')}, expected exactly ${wanted.join(', ')}`);
    for (const child of manifest.manifests) {
      if (!(await client.findManifest(name, child.digest))) throw new ActionError(`${reference} lists ${child.digest} (${descriptorPlatform(child)}), which ${repositoryRef(name)} does not hold`);
    }
  }
  return { digest, platforms: found };
}

export interface TagRemoval {
  removed: string[];
  kept: string[];
  /** Why tags were kept, for a warning. */
  reason?: string;
}

/**
 * Removes temporary tags without touching what they point at. In the distribution spec,
 * `DELETE /manifests/<digest>` deletes the manifest itself and with it every tag on it: here the
 * platform images the new index references, and any other tag sharing the digest. `DELETE
 * /manifests/<tag>` is only in OCI distribution 1.1 and some registries treat it as deleting the
 * manifest. So each tag is first moved onto a tombstone manifest nothing else uses (this removal's
 * own: `owner` is unique per call unless a test fixes it), and the tombstone is deleted by digest. A
 * probe (push the tombstone untagged, delete it) finds out first whether the registry allows
 * deletes at all; if not, the tags stay where they are. A tag found on another removal's tombstone
 * is that removal's to delete, and counts as removed.
 */
export async function removeTemporaryTags(client: Registry, image: ImageName, tags: readonly string[], owner: string = randomUUID()): Promise<TagRemoval> {
  if (tags.length === 0) return { removed: [], kept: [] };
  const tombstone = tombstoneManifest(owner);
  try {
    if (!(await client.hasBlob(image, EMPTY_DESCRIPTOR.digest))) await client.putBlob(image, EMPTY_DESCRIPTOR.digest, EMPTY_BLOB);
    await client.putManifest(image, tombstone.digest, OCI_MANIFEST, tombstone.bytes);
    const deleted = await client.deleteManifest(image, tombstone.digest);
    // Not deleted and still there: deletes are disabled (or refused). Gone anyway: a racing merge deleted it.
    if (!deleted && (await client.findManifest(image, tombstone.digest))) {
      return { removed: [], kept: [...tags], reason: `${image.registry} does not allow deleting manifests` };
    }
  } catch (error) {
    return { removed: [], kept: [...tags], reason: `${image.registry} refused the tag removal: ${errorMessage(error)}` };
  }
  const removed: string[] = [];
  const kept: string[] = [];
  try {
    for (const tag of tags) await client.putManifest(image, tag, OCI_MANIFEST, tombstone.bytes);
    for (let attempt = 0; attempt < 2; attempt++) {
      await client.deleteManifest(image, tombstone.digest);
      const left: string[] = [];
      for (const tag of tags) {
        if (removed.includes(tag) || kept.includes(tag)) continue;
        const now = await client.findManifest(image, tag);
        if (!now || (now.digest !== tombstone.digest && isTombstone(now.manifest))) removed.push(tag);
        else if (now.digest === tombstone.digest) left.push(tag);
        // Something else was pushed to the tag meanwhile (a re-run leg): leave it.
        else kept.push(tag);
      }
      if (left.length === 0) break;
      if (attempt === 1) kept.push(...left);
    }
  } catch (error) {
    const rest = tags.filter((t) => !removed.includes(t) && !kept.includes(t));
    return { removed, kept: [...kept, ...rest], reason: `removing the temporary tags failed: ${errorMessage(error)}` };
  }
  return { removed, kept, ...(kept.length ? { reason: 'other images were pushed to these tags meanwhile' } : {}) };
}

/** containerd's platforms.Normalize for what configs hold: `arm` is `arm/v7`, `arm64/v8` and `amd64/v1` lose the variant. */
function normalizedPlatform(config: { os?: string; architecture?: string; variant?: string }): { architecture: string; os: string; variant?: string } {
  const architecture = config.architecture ?? '';
  let variant = config.variant ?? '';
  if (architecture === 'arm' && !variant) variant = 'v7';
  if ((architecture === 'arm64' && variant === 'v8') || (architecture === 'amd64' && variant === 'v1')) variant = '';
  return { architecture, os: config.os ?? '', ...(variant ? { variant } : {}) };
}

/** A descriptor with its keys in the order Go's ocispecs.Descriptor marshals them. */
function goDescriptor(d: Descriptor & { urls?: string[]; data?: string; artifactType?: string }): Record<string, unknown> {
  const platform = d.platform as (Descriptor['platform'] & { 'os.version'?: string; 'os.features'?: string[] }) | undefined;
  return Object.fromEntries(
    Object.entries({
      mediaType: d.mediaType,
      digest: d.digest,
      size: d.size,
      urls: d.urls,
      annotations: d.annotations && Object.keys(d.annotations).length > 0 ? Object.fromEntries(Object.keys(d.annotations).sort().map((k) => [k, d.annotations![k]])) : undefined,
      data: d.data,
      platform: platform && {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform['os.version'] ? { 'os.version': platform['os.version'] } : {}),
        ...(platform['os.features']?.length ? { 'os.features': platform['os.features'] } : {}),
        ...(platform.variant ? { variant: platform.variant } : {}),
      },
      artifactType: d.artifactType,
    }).filter(([, value]) => value !== undefined && value !== ''),
  );
}

/**
 * The index `docker buildx imagetools create` makes from these legs, composed through the registry
 * API instead (so it can be pushed by digest and gated before any tag names it, and with no docker
 * CLI for the direct engine): each image manifest with the platform
 * read from its config, each index leg's own entries, index annotations sorted, Go's MarshalIndent
 * layout and escaping. The same legs give the same bytes, so the digest is the one imagetools gives.
 */
export async function composeIndex(client: Registry, repository: ImageName, legs: readonly Leg[], annotations: Readonly<Record<string, string>>): Promise<{ body: Buffer; digest: string }> {
  const descriptors: Record<string, unknown>[] = [];
  for (const leg of legs) {
    const { body, mediaType } = await client.getManifestBytes(repository, leg.digest);
    const manifest = JSON.parse(body.toString('utf8')) as ImageIndex | { config: Descriptor };
    if (isIndex(manifest as ImageIndex)) {
      for (const child of (manifest as ImageIndex).manifests) descriptors.push(goDescriptor(child));
      continue;
    }
    const config = (await (await client.getBlob(repository, (manifest as { config: Descriptor }).config.digest)).json()) as { os?: string; architecture?: string; variant?: string };
    descriptors.push(goDescriptor({ mediaType: mediaType || leg.mediaType, digest: leg.digest, size: body.length, platform: normalizedPlatform(config) }));
  }
  const keys = Object.keys(annotations).sort();
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: descriptors,
    ...(keys.length > 0 ? { annotations: Object.fromEntries(keys.map((k) => [k, annotations[k]])) } : {}),
  };
  const body = Buffer.from(goJson(index, '  '));
  return { body, digest: sha256(body) };
}

/** The direct engine writes tags through the registry API, which cannot copy across repositories: refused before anything is pushed. */
function requireTagsIn(repository: ImageName, tags: readonly string[]): void {
  for (const tag of tags) {
    if (repositoryRef(parseImageName(tag)) !== repositoryRef(repository)) {
      throw new ActionError(`merge with the direct engine pushes the index only to tags of ${repositoryRef(repository)}, not ${tag}: use engine: buildx (imagetools copies across repositories)`);
    }
  }
}

export interface MergeLog {
  info(message: string): void;
  warning(message: string): void;
}

export interface MergeOptions extends LegKey {
  /** The image repository the legs were pushed to (a tag or digest on it is ignored). */
  image: ImageName;
  platforms: readonly Platform[];
  /** Full references the index is pushed to (Config.tags); the first one is also how a re-run finds it. */
  tags: readonly string[];
  builder?: string;
  /** direct: put the index on the tags through the registry API instead of `docker buildx imagetools`. */
  engine?: 'buildx' | 'direct';
  client: Registry;
  exec: Exec;
  log?: MergeLog;
  /** Default true. */
  removeTemporaryTags?: boolean;
  /**
   * Annotations of the legs carried onto the index, by key: each gets the legs' values in platform
   * order and returns the index's (none to leave it out). A single run stores one size report on its
   * index, which the next run reads as its baseline; the merge combines the legs' into that one.
   */
  carryAnnotations?: Readonly<Record<string, (values: readonly (string | undefined)[]) => string | undefined>>;
}

/** The index pushed by digest only: no tag names it yet, so a size gate can still refuse it. */
export interface ComposedIndex {
  digest: string;
  /** `registry/repository@digest`. */
  imageRef: string;
  body: Buffer;
  mediaType: string;
  legs: Leg[];
  platforms: string[];
  /** True when the legs' tags were gone and an index this run had already pushed was reused. */
  reused: boolean;
}

export interface MergeResult {
  digest: string;
  /** `registry/repository@digest`. */
  imageRef: string;
  tags: string[];
  legs: Leg[];
  /** True when the legs' tags were gone and an index this run had already pushed was reused. */
  reused: boolean;
  removal: TagRemoval;
}

const quiet: MergeLog = { info: () => undefined, warning: () => undefined };

/** The index this run already pushed to `tag`, when the legs' tags are gone (a re-run, or a racing merge that finished first). */
async function previousMerge(client: Registry, tag: string, prefix: string, platforms: readonly Platform[]): Promise<string | undefined> {
  const name = parseImageName(tag);
  const found = await client.findManifest(name, name.tag ?? 'latest');
  if (!found || !isIndex(found.manifest)) return undefined;
  const annotations = (found.manifest as ImageIndex & { annotations?: Record<string, string> }).annotations ?? {};
  if (annotations[LEGS_ANNOTATION] !== prefix) return undefined;
  const wanted = platforms.map(formatPlatform).sort().join(',');
  return indexPlatforms(found.manifest).sort().join(',') === wanted ? found.digest : undefined;
}

/**
 * The first half of `mode: merge`: finds the legs, composes the multi-platform index (the bytes
 * imagetools would write), pushes it by digest only and verifies it through the registry API. No
 * tag is written, the temporary tags stay: the caller sizes the index and gates it first (see
 * tagIndex). When the legs' tags are gone, the index this run already put on the first tag is
 * found by its annotation and used again, so a re-run (or a racing merge) ends in the same index.
 */
export async function composeMergedIndex(options: MergeOptions): Promise<ComposedIndex> {
  const log = options.log ?? quiet;
  const repository: ImageName = { registry: options.image.registry, repository: options.image.repository };
  if (options.platforms.length === 0) throw new ActionError('merge needs the platforms the legs built');
  if (options.tags.length === 0) throw new ActionError('merge needs at least one tag to push the index to');
  if (options.engine === 'direct') requireTagsIn(repository, options.tags);
  const prefix = legPrefix(options);
  const { legs, missing } = await findLegs(options.client, repository, options.platforms, options);
  let index: { body: Buffer; digest: string; mediaType: string };
  let reused = false;
  if (missing.length > 0) {
    const previous = await previousMerge(options.client, options.tags[0]!, prefix, options.platforms);
    if (!previous) {
      throw new ActionError(
        `merge found no image for ${missing.map((t) => `${repositoryRef(repository)}:${t}`).join(', ')}: ` +
          'run the build legs first with push-by-digest: true, the same image and the same platforms.',
      );
    }
    log.info(`The temporary tags are gone; ${options.tags[0]} already holds the index of this run (${previous}).`);
    reused = true;
    const { body, mediaType } = await options.client.getManifestBytes(repository, previous);
    index = { body, digest: previous, mediaType: mediaType || OCI_INDEX };
  } else {
    const ordered = options.platforms.map((platform) => legs.find((leg) => formatPlatform(leg.platform) === formatPlatform(platform)));
    const carried = Object.fromEntries(
      Object.entries(options.carryAnnotations ?? {}).flatMap(([key, combine]) => {
        const value = combine(ordered.map((leg) => leg?.annotations?.[key]));
        return value === undefined ? [] : [[key, value]];
      }),
    );
    const annotations: Record<string, string> = { ...carried, [LEGS_ANNOTATION]: prefix, [REVISION_ANNOTATION]: options.sha.toLowerCase() };
    index = { ...(await composeIndex(options.client, repository, legs, annotations)), mediaType: OCI_INDEX };
    log.info(`Index ${index.digest} composed through the registry API from ${legs.map((leg) => leg.digest).join(', ')}`);
    await options.client.putManifest(repository, index.digest, index.mediaType, index.body);
  }
  const imageRef = `${repositoryRef(repository)}@${index.digest}`;
  const verified = await verifyIndex(options.client, [imageRef], options.platforms);
  log.info(`Index ${verified.digest} pushed by digest: ${verified.platforms.join(', ')}`);
  return { digest: index.digest, imageRef, body: index.body, mediaType: index.mediaType, legs, platforms: verified.platforms, reused };
}

/**
 * The second half of `mode: merge`, once the index passed the gate: puts it on every tag, checks
 * every tag names that very index, and removes the temporary tags. The direct engine writes the tags
 * through the registry API; buildx copies the index with imagetools (a single index source is copied
 * byte for byte, and across repositories and registries with the docker credentials).
 */
export async function tagIndex(options: MergeOptions, index: ComposedIndex): Promise<MergeResult> {
  const log = options.log ?? quiet;
  const repository: ImageName = { registry: options.image.registry, repository: options.image.repository };
  if (options.engine === 'direct') {
    requireTagsIn(repository, options.tags);
    for (const tag of options.tags) await options.client.putManifest(parseImageName(tag), parseImageName(tag).tag ?? 'latest', index.mediaType, index.body);
  } else {
    const args = imagetoolsCreateArgs({ builder: options.builder, tags: options.tags, sources: [index.imageRef] });
    log.info(`docker ${args.join(' ')}`);
    await options.exec('docker', args, { hint: registryErrorHint });
  }
  const verified = await verifyIndex(options.client, options.tags, options.platforms);
  if (verified.digest !== index.digest) throw new ActionError(`the tags point at ${verified.digest}, not at the index the merge verified and sized (${index.digest})`);
  log.info(`Tagged ${options.tags.join(', ')}`);
  let removal: TagRemoval = { removed: [], kept: [] };
  if (options.removeTemporaryTags !== false && index.legs.length > 0) {
    removal = await removeTemporaryTags(options.client, repository, index.legs.map((leg) => leg.tag));
    if (removal.kept.length > 0) log.warning(`Temporary tags kept (${removal.reason}): ${removal.kept.join(', ')}`);
  }
  return { digest: index.digest, imageRef: index.imageRef, tags: [...options.tags], legs: index.legs, reused: index.reused, removal };
}

/** Both halves with no gate between them: compose, push by digest, tag, remove the temporary tags. Idempotent (see composeMergedIndex). */
export async function mergeLegs(options: MergeOptions): Promise<MergeResult> {
  return tagIndex(options, await composeMergedIndex(options));
}
