import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CommandError } from '../../src/errors.js';
import type { ExecOptions, ExecResult } from '../../src/exec.js';
import type { UpsertOptions, UpsertResult } from '../../src/github/comments.js';
import { findManifestIn, isIndex, RegistryHttpError, type ImageIndex, type Manifest, type Registry } from '../../src/image/registry.js';
import { repositoryRef, type ImageName } from '../../src/reference.js';
import type { Reporter } from '../../src/reporter.js';
import type { Exec, Tools } from '../../src/tools.js';
import type { SignRequest, Signer } from '../../src/tools.js';

/**
 * Small recording fakes of the Tools object, for unit tests of the orchestration. The integration
 * tests run the same code against the real registry, BuildKit and Go.
 */

export interface ExecCall {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** Answers a command, or returns undefined to let the next handler try. */
export type ExecHandler = (call: ExecCall, options: ExecOptions) => Promise<string | undefined> | string | undefined;

/** An exec that records every call and answers from handlers; an unknown command fails like a missing binary. */
export function recordingExec(handlers: ExecHandler[]): { exec: Exec; calls: ExecCall[] } {
  const calls: ExecCall[] = [];
  const exec: Exec = async (command, args, options = {}) => {
    const call = { command, args: [...args], ...(options.env ? { env: options.env } : {}) };
    calls.push(call);
    for (const handler of handlers) {
      const stdout = await handler(call, options);
      if (stdout !== undefined) {
        for (const line of stdout.split('\n')) if (line) options.onLine?.(line, 'stdout');
        return { exitCode: 0, stdout, stderr: '' } satisfies ExecResult;
      }
    }
    throw new CommandError(`${command} ${args.join(' ')}`, 127, `${command}: not answered by the fake`);
  };
  return { exec, calls };
}

export interface RecordedReporter extends Reporter {
  lines: string[];
  warnings: string[];
  summaries: string[];
  state: Map<string, string>;
  secrets: string[];
}

export function recordingReporter(): RecordedReporter {
  const reporter: RecordedReporter = {
    lines: [],
    warnings: [],
    summaries: [],
    state: new Map(),
    secrets: [],
    info: (message) => void reporter.lines.push(message),
    warning: (message) => void reporter.warnings.push(message),
    group: async (title, task) => {
      reporter.lines.push(`[group] ${title}`);
      return task();
    },
    setSecret: (value) => void reporter.secrets.push(value),
    addSummary: async (markdown) => void reporter.summaries.push(markdown),
    saveState: (name, value) => void reporter.state.set(name, value),
    exportVariable: () => undefined,
    addPath: () => undefined,
  };
  return reporter;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

interface StoredManifest {
  mediaType: string;
  body: Buffer;
}

/** An in-memory OCI registry behind the Registry interface; counts blob uploads and records tag writes. */
export class MemoryRegistry implements Registry {
  readonly blobs = new Map<string, Map<string, Buffer>>();
  readonly manifests = new Map<string, Map<string, StoredManifest>>();
  readonly blobUploads: string[] = [];
  readonly tagWrites: string[] = [];
  readonly blobMounts: string[] = [];
  /** Digests of blobs read (GET), in order. */
  readonly blobReads: string[] = [];

  private repo<T>(store: Map<string, Map<string, T>>, name: ImageName): Map<string, T> {
    const key = repositoryRef({ registry: name.registry, repository: name.repository });
    if (!store.has(key)) store.set(key, new Map());
    return store.get(key)!;
  }

  async getManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string; bytes: number }> {
    const stored = this.repo(this.manifests, name).get(reference);
    if (!stored) throw new RegistryHttpError(`memory://${repositoryRef(name)}/manifests/${reference}`, 404, 'manifest unknown');
    return { manifest: JSON.parse(stored.body.toString('utf8')) as Manifest, digest: sha256(stored.body), bytes: stored.body.length };
  }

  async getManifestBytes(name: ImageName, reference: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    const stored = this.repo(this.manifests, name).get(reference);
    if (!stored) throw new RegistryHttpError(`memory://${repositoryRef(name)}/manifests/${reference}`, 404, 'manifest unknown');
    return { body: stored.body, mediaType: stored.mediaType, digest: sha256(stored.body) };
  }

  findManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string } | undefined> {
    return findManifestIn(this, name, reference);
  }

  async getJsonBlob(name: ImageName, digest: string): Promise<unknown> {
    return (await this.getBlob(name, digest)).json();
  }

  async listTags(name: ImageName): Promise<string[]> {
    return [...this.repo(this.manifests, name).keys()].filter((ref) => !ref.startsWith('sha256:'));
  }

  async getBlob(name: ImageName, digest: string): Promise<Response> {
    this.blobReads.push(digest);
    const blob = this.repo(this.blobs, name).get(digest);
    if (!blob) throw new RegistryHttpError(`memory://${repositoryRef(name)}/blobs/${digest}`, 404, 'blob unknown');
    return new Response(blob);
  }

  async hasBlob(name: ImageName, digest: string): Promise<boolean> {
    return this.repo(this.blobs, name).has(digest);
  }

  async putBlob(name: ImageName, digest: string, data: Buffer): Promise<void> {
    if (sha256(data) !== digest) throw new RegistryHttpError(`memory://${repositoryRef(name)}/blobs`, 400, 'digest invalid');
    this.blobUploads.push(digest);
    this.repo(this.blobs, name).set(digest, data);
  }

  async mountBlob(name: ImageName, digest: string, fromRepository: string): Promise<boolean> {
    const blob = this.repo(this.blobs, { registry: name.registry, repository: fromRepository }).get(digest);
    if (!blob) return false;
    this.blobMounts.push(`${repositoryRef(name)} <- ${fromRepository} ${digest}`);
    this.repo(this.blobs, name).set(digest, blob);
    return true;
  }

  async putManifest(name: ImageName, reference: string, mediaType: string, body: Buffer): Promise<string> {
    const manifest = JSON.parse(body.toString('utf8')) as Manifest;
    const children = isIndex(manifest) ? manifest.manifests.map((m) => m.digest) : [];
    for (const child of children) if (!this.repo(this.manifests, name).has(child)) throw new RegistryHttpError('memory://', 400, `manifest ${child} unknown`);
    if (!isIndex(manifest)) {
      for (const blob of [manifest.config, ...manifest.layers]) if (!this.repo(this.blobs, name).has(blob.digest)) throw new RegistryHttpError('memory://', 400, `blob ${blob.digest} unknown`);
    }
    const digest = sha256(body);
    this.repo(this.manifests, name).set(digest, { mediaType, body });
    if (reference !== digest) {
      this.tagWrites.push(`${repositoryRef(name)}:${reference}`);
      this.repo(this.manifests, name).set(reference, { mediaType, body });
    }
    return digest;
  }

  /** Distribution 2.x: no OCI-Subject answer, no referrers API (the tag schema is used). */
  async putReferrerManifest(name: ImageName, digest: string, mediaType: string, body: Buffer): Promise<{ digest: string; subjectProcessed: boolean }> {
    return { digest: await this.putManifest(name, digest, mediaType, body), subjectProcessed: false };
  }

  async getReferrers(): Promise<ImageIndex | undefined> {
    return undefined;
  }

  async deleteManifest(name: ImageName, digest: string): Promise<boolean> {
    const manifests = this.repo(this.manifests, name);
    for (const [ref, stored] of manifests) if (sha256(stored.body) === digest) manifests.delete(ref);
    return true;
  }

  /** The digest a tag points at, or undefined. */
  tagDigest(name: ImageName, tag: string): string | undefined {
    const stored = this.repo(this.manifests, name).get(tag);
    return stored && sha256(stored.body);
  }
}

export interface RecordedComments {
  upsertComment: (options: UpsertOptions) => Promise<UpsertResult>;
  bodies: string[];
}

/** The GitHub API fake: one comment per marker, created then updated. */
export function recordingGitHub(): RecordedComments {
  const bodies: string[] = [];
  return {
    bodies,
    upsertComment: async (options) => {
      const outcome = bodies.length === 0 ? 'created' : 'updated';
      bodies.splice(0, bodies.length, options.body);
      return { outcome, id: 1, url: `https://github.test/${options.target.owner}/${options.target.repo}/pull/${options.target.issueNumber}#issuecomment-1` } as UpsertResult;
    },
  };
}

/** A signer that records what it was asked to sign; unavailable (no id-token) unless told otherwise. */
export interface RecordingSigner extends Signer {
  requests: SignRequest[];
  /** Set to let it sign (as with id-token: write). */
  available: boolean;
  /** Set to make every signing fail (the OIDC token request refused). */
  failure?: Error;
}

export function recordingSigner(): RecordingSigner {
  const signer: RecordingSigner = {
    requests: [],
    available: false,
    unavailable: () => (signer.available ? undefined : 'no OIDC token (fake)'),
    sign: async (request) => {
      if (signer.failure) throw signer.failure;
      signer.requests.push(request);
      return Buffer.from(JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', fake: true, predicateType: request.predicateType, subjects: request.subjectDigests }));
    },
  };
  return signer;
}

export interface FakeTools extends Tools {
  signer: RecordingSigner;
  reporter: RecordedReporter;
  registry: MemoryRegistry;
  calls: ExecCall[];
  comments: string[];
}

export function fakeTools(handlers: ExecHandler[]): FakeTools {
  const { exec, calls } = recordingExec(handlers);
  const github = recordingGitHub();
  let now = 1_000_000;
  return {
    reporter: recordingReporter(),
    exec,
    registry: new MemoryRegistry(),
    github: { upsertComment: github.upsertComment },
    clock: () => (now += 250),
    signer: recordingSigner(),
    calls,
    comments: github.bodies,
  };
}

/** A ustar archive of regular files (what a layer holds), enough for the size report's classifier. */
export function tarOf(files: Record<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Writes an OCI layout the way `buildx --output type=oci,tar=false,compression=uncompressed` does. */
export async function writeOciLayout(dir: string, platforms: readonly { os: string; arch: string }[], layer: (platform: { os: string; arch: string }) => Buffer): Promise<string> {
  await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const blob = async (data: Buffer) => {
    const digest = sha256(data);
    await fs.writeFile(path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
    return { digest, size: data.length };
  };
  const manifests = [];
  for (const platform of platforms) {
    const tar = layer(platform);
    const layerBlob = await blob(tar);
    const config = Buffer.from(JSON.stringify({ architecture: platform.arch, os: platform.os, config: { User: '65532:65532' }, rootfs: { type: 'layers', diff_ids: [layerBlob.digest] } }));
    const configBlob = await blob(config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerBlob }],
      }),
    );
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...(await blob(manifest)), platform: { architecture: platform.arch, os: platform.os } });
  }
  // One platform: the manifest itself is the image, as BuildKit exports it; several: an index.
  const single = manifests.length === 1 ? manifests[0]! : undefined;
  const root = single
    ? { mediaType: single.mediaType, digest: single.digest, size: single.size }
    : { mediaType: 'application/vnd.oci.image.index.v1+json', ...(await blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })))) };
  await fs.writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [root] }));
  await fs.writeFile(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return root.digest;
}
