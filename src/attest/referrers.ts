/**
 * Attaches artifacts (SBOMs, provenance, signed bundles) to an image as OCI 1.1 referrers: an image
 * manifest with `artifactType`, the empty config, one layer (the artifact) and `subject` (the image
 * manifest). A registry with the referrers API lists it on its own; for one without (Docker's
 * distribution 2.x), the referrers tag schema's index `sha256-<hex>` is updated read-modify-write.
 * The image and its index are never touched: the image digest is the same with or without them.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImageName } from '../reference.js';
import { isIndex, RegistryHttpError, type Descriptor, type ImageIndex, type Registry } from '../image/registry.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_CONFIG: Descriptor & { data: string } = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: `sha256:${createHash('sha256').update(EMPTY_JSON).digest('hex')}`,
  size: EMPTY_JSON.length,
  data: EMPTY_JSON.toString('base64'),
};

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export interface Attachment {
  /** The image manifest (or index) the artifact is about. */
  subject: Descriptor;
  artifactType: string;
  /** The artifact's media type as a layer; the artifactType when not given. */
  mediaType?: string;
  blob: Buffer;
  annotations?: Record<string, string>;
}

export interface ArtifactManifest {
  body: Buffer;
  /** The descriptor a referrers index lists: the manifest's, with its artifactType and annotations. */
  descriptor: Descriptor;
  blob: { digest: string; size: number };
}

/** The artifact manifest (pure). Same attachment, same bytes: a rerun pushes the same digest. */
export function artifactManifest(attachment: Attachment): ArtifactManifest {
  const blob = { digest: sha256(attachment.blob), size: attachment.blob.length };
  const subject = { mediaType: attachment.subject.mediaType, digest: attachment.subject.digest, size: attachment.subject.size };
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: attachment.artifactType,
    config: EMPTY_CONFIG,
    layers: [{ mediaType: attachment.mediaType ?? attachment.artifactType, ...blob }],
    subject,
    ...(attachment.annotations && Object.keys(attachment.annotations).length > 0 ? { annotations: attachment.annotations } : {}),
  };
  const body = Buffer.from(JSON.stringify(manifest));
  const descriptor: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: sha256(body),
    size: body.length,
    artifactType: attachment.artifactType,
    ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
  };
  return { body, descriptor, blob };
}

/** The referrers tag schema's tag for a subject: `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

/** The referrers index with `descriptor` in it (pure); unchanged when it is already listed. */
export function withReferrer(index: ImageIndex | undefined, descriptor: Descriptor): { index: ImageIndex & { schemaVersion: 2 }; changed: boolean } {
  const manifests = index?.manifests ?? [];
  const changed = !manifests.some((m) => m.digest === descriptor.digest);
  return { index: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: changed ? [...manifests, descriptor] : [...manifests] }, changed };
}

export interface Attached {
  digest: string;
  artifactType: string;
  /** `api`: the registry's referrers API lists it; `tag`: listed in the `sha256-<hex>` index. */
  via: 'api' | 'tag';
  subject: string;
}

export interface ReferrersOptions {
  /** Attempts of the tag schema's read-modify-write when another writer's update hides ours. */
  attempts?: number;
  /** Base delay between those attempts (jittered). */
  retryDelayMs?: number;
}

/** Pushes artifacts as referrers of images in one repository; remembers whether the registry has the referrers API. */
export class ReferrersWriter {
  private hasApi: Promise<boolean> | undefined;
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly client: Registry,
    private readonly name: ImageName,
    options: ReferrersOptions = {},
  ) {
    this.attempts = options.attempts ?? 6;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  async attach(attachment: Attachment): Promise<Attached> {
    const { client, name } = this;
    const manifest = artifactManifest(attachment);
    for (const [digest, data] of [
      [EMPTY_CONFIG.digest, EMPTY_JSON],
      [manifest.blob.digest, attachment.blob],
    ] as const) {
      if (!(await client.hasBlob(name, digest))) await client.putBlob(name, digest, data);
    }
    const pushed = await client.putReferrerManifest(name, manifest.descriptor.digest, OCI_MANIFEST, manifest.body);
    const result = { digest: manifest.descriptor.digest, artifactType: attachment.artifactType, subject: attachment.subject.digest };
    if (pushed.subjectProcessed || (await this.registryHasApi(attachment.subject.digest))) return { ...result, via: 'api' };
    await this.addToTagIndex(attachment.subject.digest, manifest.descriptor);
    return { ...result, via: 'tag' };
  }

  /** A registry without the API answers 404 at /referrers/ (OCI distribution spec 1.1); asked once per run. */
  private registryHasApi(subject: string): Promise<boolean> {
    this.hasApi ??= this.client.getReferrers(this.name, subject).then(
      (index) => index !== undefined,
      () => false,
    );
    return this.hasApi;
  }

  /**
   * Read-modify-write of the `sha256-<hex>` index. Writers of different subjects (matrix legs) touch
   * different tags; two writers of one subject can overwrite each other, so the index is read again
   * after the write, and written again while our entry is missing. Distribution has no conditional
   * manifest PUT (If-Match), so this re-check is the guard.
   */
  private async addToTagIndex(subject: string, descriptor: Descriptor): Promise<void> {
    const tag = referrersTag(subject);
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      const current = await this.readTagIndex(tag);
      const { index, changed } = withReferrer(current, descriptor);
      if (!changed) return;
      await this.client.putManifest(this.name, tag, OCI_INDEX, Buffer.from(JSON.stringify(index)));
      const after = await this.readTagIndex(tag);
      if (after?.manifests.some((m) => m.digest === descriptor.digest)) return;
      await sleep(this.retryDelayMs * attempt * (0.5 + Math.random()));
    }
    throw new Error(`the referrers index ${tag} kept losing ${descriptor.digest} to other writers after ${this.attempts} attempts`);
  }

  private async readTagIndex(tag: string): Promise<ImageIndex | undefined> {
    try {
      const { manifest } = await this.client.getManifest(this.name, tag);
      return isIndex(manifest) ? manifest : undefined;
    } catch (error) {
      if (error instanceof RegistryHttpError && error.status === 404) return undefined;
      throw error;
    }
  }
}
