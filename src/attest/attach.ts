/**
 * The attestation step of a run: SPDX SBOMs per platform image and the provenance of the whole
 * image, attached as OCI referrers to every repository the image went to, and signed when the job
 * can sign. Optional: a registry that refuses them costs a warning, never the run.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import type { Config } from '../config.js';
import { errorMessage } from '../errors.js';
import { platformManifest } from '../image/base-image.js';
import { BINARY_DIR } from '../image/dockerfile.js';
import type { OciImage } from '../image/oci-layout.js';
import { isIndex, type Descriptor } from '../image/registry.js';
import { Outputs } from '../inputs.js';
import type { RunOutputs } from '../outputs.js';
import { parsePlatform } from '../platform.js';
import { parseImageName, repositoryRef, type ImageName } from '../reference.js';
import type { SignRequest, Tools } from '../tools.js';
import { platformImages, readPlatformFacts, type PlatformImage } from './image-facts.js';
import { IN_TOTO_MEDIA_TYPE, provenanceStatement, serializeStatement, workflowRunFromEnv, type ProvenanceFacts } from './provenance.js';
import { ReferrersWriter, type Attached } from './referrers.js';
import { SIGSTORE_BUNDLE_MEDIA_TYPE } from './signer.js';
import { serializeSpdx, spdxDocument, SPDX_MEDIA_TYPE } from './spdx.js';

export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document/v2.3';

/** One attached artifact, as the `attestations` output lists it. */
export interface AttestationEntry {
  kind: 'sbom' | 'provenance' | 'signature';
  /** The artifact manifest's digest. */
  digest: string;
  /** The image manifest or index it is attached to. */
  subject: string;
  artifactType: string;
  signed: boolean;
  platform?: string;
}

/** What the attestation step needs of a build run. */
export interface BuildAttestationRequest {
  config: Config;
  /** The image as pushed. */
  image: OciImage;
  /** The image before the action compressed its layers, where the files are read; `image` when it did not. */
  built: OciImage;
  /** Every repository the image was pushed to. */
  repositories: ImageName[];
  pushed: boolean;
  /** The size gate refused the image: nothing is attached to an image no tag will name. */
  gateFailed: boolean;
  tags: readonly string[];
  revision: string;
  goVersion?: string;
  engine: string;
  env: NodeJS.ProcessEnv;
  workDir: string;
}

const TOOL_VERSION: string = packageJson.version;

const enabled = (config: Config) => ({
  sbom: config.attestations === 'referrers' && config.sbom,
  provenance: config.attestations === 'referrers' && config.provenance !== 'false',
});

/** The provenance of a build: what shaped the image (names of build args and secrets, never their values). */
function buildProvenance(request: BuildAttestationRequest, subjects: ReturnType<typeof subjectsOf>): ReturnType<typeof provenanceStatement> {
  const { config } = request;
  return provenanceStatement({
    image: repositoryRef(config.image),
    subjects,
    parameters: {
      mode: 'build',
      platforms: config.platforms.map((p) => [p.os, p.arch, p.variant].filter(Boolean).join('/')),
      tags: [...request.tags],
      dockerfileMode: config.build.kind,
      mainPackage: config.mainPackage,
      buildTags: [...config.buildTags],
      ldflags: config.ldflags,
      baseImage: config.baseImage,
      buildArgNames: Object.keys(config.buildArgs),
      secretIds: [...config.secrets.map((s) => s.id), ...config.secretFiles.map((s) => s.id)],
      engine: request.engine,
    },
    ...common(request.env, request.revision, TOOL_VERSION),
    ...(request.goVersion ? { goToolchain: { version: request.goVersion } } : {}),
  });
}

/**
 * Build mode: an SBOM per platform image and, unless this is a matrix leg (push-by-digest, whose
 * merge attaches it to the index), the provenance of the image. Sets `sbom-files` and
 * `attestations`; returns the line for the job summary and PR comment (undefined when nothing was asked).
 */
export async function attachBuildAttestations(request: BuildAttestationRequest, tools: Tools, outputs: RunOutputs): Promise<string | undefined> {
  const { config, image } = request;
  const wanted = enabled(config);
  const provenanceWanted = wanted.provenance && !config.pushByDigest;
  if (!wanted.sbom && !provenanceWanted) return undefined;
  if (!request.pushed || request.gateFailed) {
    tools.reporter.info(`Attestations: none attached (${request.pushed ? 'the size gate failed' : 'the image was not pushed'})`);
    return undefined;
  }
  return tools.reporter.group('Attaching SBOM and provenance (OCI referrers)', async () => {
    const session = new AttestationSession(tools, request.repositories, config.githubToken);
    const platforms = await platformImages(image);
    const sbomFiles: string[] = [];
    if (wanted.sbom) {
      const baseImages = await resolveBaseImages(config.baseImage, platforms, tools);
      for (const platform of platforms) {
        const facts = await readPlatformFacts({
          pushed: image,
          built: request.built,
          platform,
          binaryPath: `${BINARY_DIR}/${config.binaryName}`,
          // The binary's name rather than the repository's: the same image pushed anywhere gets the same SBOM bytes.
          imageName: config.binaryName,
          tool: `go-slim-image-${TOOL_VERSION}`,
          ...(baseImages.get(platform.platform) ? { baseImage: baseImages.get(platform.platform)! } : {}),
        });
        if (!facts.binary) tools.reporter.warning(`The ${platform.platform} image holds no Go binary at ${BINARY_DIR}/${config.binaryName}: its SBOM lists no Go modules.`);
        const sbom = serializeSpdx(spdxDocument(facts));
        const file = path.join(request.workDir, 'sbom', `${platform.platform.replace(/\//g, '-')}.spdx.json`);
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, sbom);
        sbomFiles.push(file);
        await session.attach('sbom', platform.descriptor, SPDX_MEDIA_TYPE, sbom, { predicateType: SPDX_PREDICATE_TYPE, predicate: JSON.parse(sbom.toString('utf8')) }, platform.platform);
      }
      outputs[Outputs.sbomFiles] = sbomFiles.join('\n');
    }
    if (provenanceWanted) {
      const statement = buildProvenance(request, subjectsOf(image.root, platforms));
      await session.attach('provenance', image.root, IN_TOTO_MEDIA_TYPE, serializeStatement(statement), { predicateType: statement.predicateType, predicate: statement.predicate });
    }
    return session.finish(outputs);
  });
}

/** What the attestation step needs of a merge run: the index it pushed by digest. */
export interface MergeAttestationRequest {
  config: Config;
  index: { digest: string; mediaType: string; body: Buffer };
  gateFailed: boolean;
  tags: readonly string[];
  revision: string;
  env: NodeJS.ProcessEnv;
}

/** Merge mode: the provenance of the index (the legs attached their platforms' SBOMs). */
export async function attachMergeAttestations(request: MergeAttestationRequest, tools: Tools, outputs: RunOutputs): Promise<string | undefined> {
  const { config } = request;
  if (!enabled(config).provenance) return undefined;
  if (request.gateFailed) {
    tools.reporter.info('Attestations: none attached (the size gate failed)');
    return undefined;
  }
  return tools.reporter.group('Attaching the provenance of the index (OCI referrers)', async () => {
    const repository = { registry: config.image.registry, repository: config.image.repository };
    const session = new AttestationSession(tools, [repository], config.githubToken);
    const parsed = JSON.parse(request.index.body.toString('utf8')) as { manifests?: Descriptor[] };
    const platforms: PlatformImage[] = (parsed.manifests ?? [])
      .filter((m) => m.platform && m.platform.os !== 'unknown')
      .map((m) => ({ platform: [m.platform!.os, m.platform!.architecture, m.platform!.variant].filter(Boolean).join('/'), descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.size } }));
    const root: Descriptor = { mediaType: request.index.mediaType, digest: request.index.digest, size: request.index.body.length };
    const statement = provenanceStatement({
      image: repositoryRef(config.image),
      subjects: subjectsOf(root, platforms),
      parameters: { mode: 'merge', platforms: platforms.map((p) => p.platform), tags: [...request.tags] },
      ...common(request.env, request.revision, TOOL_VERSION),
    });
    await session.attach('provenance', root, IN_TOTO_MEDIA_TYPE, serializeStatement(statement), { predicateType: statement.predicateType, predicate: statement.predicate });
    return session.finish(outputs);
  });
}

function subjectsOf(root: Descriptor, platforms: readonly PlatformImage[]): { digest: string }[] {
  const digests = [root.digest, ...platforms.map((p) => p.descriptor.digest)];
  return [...new Set(digests)].map((digest) => ({ digest }));
}

function common(env: NodeJS.ProcessEnv, revision: string, toolVersion: string): Pick<ProvenanceFacts, 'source' | 'workflow' | 'toolVersion'> {
  const workflow = workflowRunFromEnv(env);
  const source: ProvenanceFacts['source'] = { revision };
  if (workflow) Object.assign(source, { repositoryUrl: `${workflow.serverUrl}/${workflow.repository}`, ...(workflow.ref ? { ref: workflow.ref } : {}) });
  return { source, toolVersion, ...(workflow ? { workflow } : {}) };
}

/** The base image's manifest for each platform, by digest; none for scratch. A failed read leaves it out with a warning. */
async function resolveBaseImages(baseImage: string, platforms: readonly PlatformImage[], tools: Tools): Promise<Map<string, { reference: string; digest: string }>> {
  const resolved = new Map<string, { reference: string; digest: string }>();
  if (baseImage === 'scratch') return resolved;
  try {
    const name = parseImageName(baseImage);
    const found = await tools.registry.getManifest(name, name.digest ?? name.tag ?? 'latest');
    for (const platform of platforms) {
      const digest = isIndex(found.manifest) ? platformManifest(found.manifest, parsePlatform(platform.platform))?.digest : found.digest;
      if (digest) resolved.set(platform.platform, { reference: baseImage, digest });
    }
  } catch (error) {
    tools.reporter.warning(`The base image ${baseImage} could not be read for the SBOM (${errorMessage(error)}); the SBOM leaves it out.`);
  }
  return resolved;
}

/** Attaches artifacts to one or more repositories, signs them when it can, and collects what it did. */
class AttestationSession {
  private readonly writers: ReferrersWriter[];
  private readonly entries: AttestationEntry[] = [];
  private readonly vias = new Set<Attached['via']>();
  private readonly repositoryName: string;
  private signing: boolean;
  private failed = false;

  constructor(
    private readonly tools: Tools,
    repositories: readonly ImageName[],
    private readonly githubToken: string,
  ) {
    this.writers = repositories.map((name) => new ReferrersWriter(tools.registry, name));
    const why = tools.signer.unavailable();
    this.signing = !why;
    if (why) tools.reporter.info(why);
    this.repositoryName = repositoryRef(repositories[0]!);
  }

  async attach(kind: 'sbom' | 'provenance', subject: Descriptor, artifactType: string, blob: Buffer, statement: Omit<SignRequest, 'subjectName' | 'subjectDigests'>, platform?: string): Promise<void> {
    // A registry that refused one artifact (after retries) would refuse the next: one warning, no more waiting.
    if (this.failed) return;
    try {
      let attached: Attached | undefined;
      for (const writer of this.writers) attached = await this.record(await writer.attach({ subject, artifactType, blob }));
      const entry: AttestationEntry = { kind, digest: attached!.digest, subject: subject.digest, artifactType, signed: false, ...(platform ? { platform } : {}) };
      this.entries.push(entry);
      this.tools.reporter.info(`${kind === 'sbom' ? `SBOM (SPDX 2.3) of ${platform}` : 'Provenance (SLSA v1)'}: ${entry.digest} (${blob.length} bytes) on ${subject.digest}`);
      if (this.signing) await this.sign(entry, subject, statement);
    } catch (error) {
      this.failed = true;
      this.tools.reporter.warning(`The ${kind === 'sbom' ? `SBOM of ${platform}` : 'provenance'} could not be attached (${errorMessage(error)}); the image is pushed and fine without it, and no further attestation is tried.`);
    }
  }

  private record(attached: Attached): Attached {
    this.vias.add(attached.via);
    return attached;
  }

  private async sign(entry: AttestationEntry, subject: Descriptor, statement: Omit<SignRequest, 'subjectName' | 'subjectDigests'>): Promise<void> {
    let bundle: Buffer;
    try {
      bundle = await this.tools.signer.sign({ subjectName: this.repositoryName, subjectDigests: [subject.digest], ...statement }, this.githubToken);
    } catch (error) {
      // One failed token request means the others fail too: stop signing for this run.
      this.signing = false;
      this.tools.reporter.warning(`The attestations could not be signed (${errorMessage(error)}); they are attached unsigned.`);
      return;
    }
    let attached: Attached | undefined;
    for (const writer of this.writers) {
      attached = await this.record(
        await writer.attach({ subject, artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE, blob: bundle, annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': statement.predicateType } }),
      );
    }
    entry.signed = true;
    this.entries.push({ kind: 'signature', digest: attached!.digest, subject: subject.digest, artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE, signed: true, ...(entry.platform ? { platform: entry.platform } : {}) });
  }

  /** Sets the `attestations` output and returns the summary line. */
  finish(outputs: RunOutputs): string | undefined {
    outputs[Outputs.attestations] = JSON.stringify(this.entries);
    if (this.entries.length === 0) return this.failed ? 'Attestations: none attached (see the warnings)' : undefined;
    const sboms = this.entries.filter((e) => e.kind === 'sbom');
    const parts = [
      sboms.length > 0 ? `SBOM (SPDX 2.3) for ${sboms.map((e) => e.platform).join(', ')}` : '',
      this.entries.some((e) => e.kind === 'provenance') ? 'provenance (SLSA v1)' : '',
    ].filter(Boolean);
    const how = this.vias.has('tag') ? 'OCI referrers (referrers tag schema)' : 'OCI referrers (referrers API)';
    const signed = this.entries.some((e) => e.kind === 'signature') ? 'signed (Sigstore)' : 'unsigned';
    return `Attestations: ${parts.join(' and ')}, attached as ${how}, ${signed}`;
  }
}
