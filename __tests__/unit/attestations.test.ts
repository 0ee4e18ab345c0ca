import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseBuildInfo } from '../../src/go/buildinfo.js';
import { provenanceStatement, workflowRunFromEnv, type ProvenanceFacts } from '../../src/attest/provenance.js';
import { artifactManifest, EMPTY_CONFIG, ReferrersWriter, referrersTag, withReferrer } from '../../src/attest/referrers.js';
import { golangPurl, serializeSpdx, spdxDocument, type PlatformImageFacts } from '../../src/attest/spdx.js';
import { spdxTime } from '../../src/attest/image-facts.js';
import { actionsAttestSigner, ENABLE_SIGNING_HINT } from '../../src/attest/signer.js';
import type { ImageIndex } from '../../src/image/registry.js';
import { MemoryRegistry } from '../helpers/fake-tools.js';

// `go version -m` of examples/hello plus uuid and x/text, recorded from a real build (see attribution.test.ts).
const buildInfo = parseBuildInfo(readFileSync(path.join(import.meta.dirname, '../fixtures/attribution/hello-uuid-text.buildinfo.txt'), 'utf8'));
const MANIFEST = `sha256:${'a'.repeat(64)}`;

const facts = (extra: Partial<PlatformImageFacts> = {}): PlatformImageFacts => ({
  platform: 'linux/amd64',
  manifestDigest: MANIFEST,
  created: '2023-11-14T22:13:20Z',
  imageName: 'hello',
  tool: 'go-slim-image-0.1.0',
  binary: { path: '/usr/local/bin/hello', sha256: 'b'.repeat(64), buildInfo },
  ...extra,
});

describe('SPDX SBOM of a platform image', () => {
  const doc = spdxDocument(facts({ caCertificates: { version: '20250419~deb12u2', path: '/etc/ssl/certs/ca-certificates.crt' }, zoneinfo: { path: '/usr/local/share/zoneinfo.zip', sha256: 'c'.repeat(64) } }));
  const purls = doc.packages.flatMap((p) => p.externalRefs?.map((r) => r.referenceLocator) ?? []);

  it('lists the main module, every dependency with its version, the toolchain, the CA bundle and zoneinfo as purls', () => {
    expect(purls).toEqual([
      `pkg:oci/hello@sha256%3A${'a'.repeat(64)}?arch=amd64&os=linux`,
      'pkg:golang/example.com/hello',
      'pkg:golang/stdlib@1.26.8',
      'pkg:golang/github.com/google/uuid@v1.6.0',
      'pkg:golang/golang.org/x/text@v0.42.0',
      'pkg:deb/debian/ca-certificates@20250419~deb12u2?arch=all&distro=debian-12',
    ]);
    expect(doc.packages.map((p) => `${p.name} ${p.versionInfo ?? ''}`.trim())).toEqual([
      `hello ${MANIFEST}`,
      'example.com/hello (devel)',
      'stdlib go1.26.8',
      'github.com/google/uuid v1.6.0',
      'golang.org/x/text v0.42.0',
      'ca-certificates 20250419~deb12u2',
      'zoneinfo.zip go1.26.8',
    ]);
  });

  it("keeps go.sum's h1 hash verbatim on the purl reference, not as an SPDX checksum (it hashes no downloadable file)", () => {
    const uuid = doc.packages.find((p) => p.name === 'github.com/google/uuid')!;
    expect(uuid.externalRefs![0]!.comment).toBe('go.sum h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=');
    expect(uuid.checksums).toBeUndefined();
    expect(uuid.downloadLocation).toBe('https://proxy.golang.org/github.com/google/uuid/@v/v1.6.0.zip');
  });

  it('records the build settings that matter, never -ldflags', () => {
    const main = doc.packages.find((p) => p.SPDXID === 'SPDXRef-Go-main')!;
    expect(main.annotations![0]!.comment).toBe('go build settings: -buildmode=exe -compiler=gc -tags=netgo,osusergo -trimpath=true CGO_ENABLED=0 GOARCH=amd64 GOOS=linux GOAMD64=v1');
    const withLdflags = spdxDocument(facts({ binary: { ...facts().binary!, buildInfo: { ...buildInfo, settings: { ...buildInfo.settings, '-ldflags': '-X main.key=value' } } } }));
    expect(JSON.stringify(withLdflags)).not.toContain('main.key');
  });

  it('relates everything to the image, which the document describes', () => {
    const ids = new Set(doc.packages.map((p) => p.SPDXID));
    for (const r of doc.relationships) {
      expect(r.spdxElementId === 'SPDXRef-DOCUMENT' || ids.has(r.spdxElementId)).toBe(true);
      expect(ids.has(r.relatedSpdxElement)).toBe(true);
    }
    expect(doc.relationships[0]).toEqual({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-Image' });
  });

  it('is deterministic: namespace and time come from the image, so the same image gives the same bytes', () => {
    expect(doc.documentNamespace).toBe(`https://spdx.org/spdxdocs/go-slim-image/hello/sha256-${'a'.repeat(64)}`);
    expect(doc.creationInfo.created).toBe('2023-11-14T22:13:20Z');
    expect(serializeSpdx(spdxDocument(facts())).equals(serializeSpdx(spdxDocument(facts())))).toBe(true);
    expect(spdxTime('2023-11-14T22:13:20.123456789Z')).toBe('2023-11-14T22:13:20Z');
    expect(spdxTime(undefined)).toBe('1970-01-01T00:00:00Z');
  });

  it('names a base image by digest, and leaves out what the image does not hold', () => {
    const withBase = spdxDocument(facts({ binary: undefined, baseImage: { reference: 'gcr.io/distroless/static:nonroot', digest: `sha256:${'d'.repeat(64)}` } }));
    expect(withBase.packages.map((p) => p.name)).toEqual(['hello', 'gcr.io/distroless/static:nonroot']);
    expect(withBase.relationships.at(-1)).toEqual({ spdxElementId: 'SPDXRef-Image', relationshipType: 'DESCENDANT_OF', relatedSpdxElement: 'SPDXRef-Base-image' });
  });

  it('percent-encodes purl versions (+incompatible)', () => {
    expect(golangPurl('github.com/Masterminds/semver', 'v3.0.0+incompatible')).toBe('pkg:golang/github.com/Masterminds/semver@v3.0.0%2Bincompatible');
  });
});

describe('SLSA provenance of the image', () => {
  const base: ProvenanceFacts = {
    image: 'ghcr.io/acme/hello',
    subjects: [{ digest: `sha256:${'1'.repeat(64)}` }, { digest: `sha256:${'2'.repeat(64)}` }],
    parameters: { mode: 'build', platforms: ['linux/amd64'], tags: ['ghcr.io/acme/hello:main'], buildArgNames: ['TOKEN'], secretIds: ['npm'] },
    source: { revision: 'f'.repeat(40), repositoryUrl: 'https://github.com/acme/hello', ref: 'refs/heads/main' },
    goToolchain: { version: '1.26.8' },
    toolVersion: '0.1.0',
  };

  it('in a workflow: the builder is the workflow at its ref, the invocation the run attempt', () => {
    const workflow = workflowRunFromEnv({
      GITHUB_ACTIONS: 'true',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/hello',
      GITHUB_WORKFLOW_REF: 'acme/hello/.github/workflows/image.yml@refs/heads/main',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_EVENT_NAME: 'push',
      GITHUB_RUN_ID: '42',
      GITHUB_RUN_ATTEMPT: '2',
      RUNNER_ENVIRONMENT: 'github-hosted',
      GITHUB_TOKEN: 'ghs_never',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'never-either',
    })!;
    const statement = provenanceStatement({ ...base, workflow });
    expect(statement.subject).toEqual(base.subjects.map((s) => ({ name: 'ghcr.io/acme/hello', digest: { sha256: s.digest.slice(7) } })));
    expect(statement.predicate.runDetails).toEqual({
      builder: { id: 'https://github.com/acme/hello/.github/workflows/image.yml@refs/heads/main' },
      metadata: { invocationId: 'https://github.com/acme/hello/actions/runs/42/attempts/2' },
    });
    expect(statement.predicate.buildDefinition.externalParameters).toMatchObject({ workflow: { ref: 'refs/heads/main', repository: 'https://github.com/acme/hello', path: '.github/workflows/image.yml' } });
    expect(statement.predicate.buildDefinition.resolvedDependencies[0]).toEqual({ uri: 'git+https://github.com/acme/hello@refs/heads/main', digest: { gitCommit: 'f'.repeat(40) } });
    const text = JSON.stringify(statement);
    expect(text).not.toContain('ghs_never');
    expect(text).not.toContain('never-either');
  });

  it('from the CLI: a local builder id and no workflow fields', () => {
    expect(workflowRunFromEnv({ GITHUB_REPOSITORY: 'acme/hello' })).toBeUndefined();
    const statement = provenanceStatement(base);
    expect(statement.predicate.runDetails).toEqual({ builder: { id: 'urn:go-slim-image:cli:0.1.0' } });
    expect(statement.predicate.buildDefinition.externalParameters).not.toHaveProperty('workflow');
    expect(statement.predicate.buildDefinition.internalParameters).not.toHaveProperty('github');
  });
});

describe('OCI referrers', () => {
  const name = { registry: '127.0.0.1:5000', repository: 'acme/hello' };
  const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'e'.repeat(64)}`, size: 400 };

  it('an artifact manifest: artifactType, the empty config, one layer, the subject', () => {
    const artifact = artifactManifest({ subject, artifactType: 'application/spdx+json', blob: Buffer.from('{}\n') });
    const manifest = JSON.parse(artifact.body.toString('utf8'));
    expect(manifest).toMatchObject({ schemaVersion: 2, artifactType: 'application/spdx+json', config: EMPTY_CONFIG, subject, layers: [{ mediaType: 'application/spdx+json', size: 3 }] });
    expect(EMPTY_CONFIG.digest).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(referrersTag(subject.digest)).toBe(`sha256-${'e'.repeat(64)}`);
  });

  it('the tag schema index lists each artifact once', () => {
    const descriptor = artifactManifest({ subject, artifactType: 'a/b', blob: Buffer.from('x') }).descriptor;
    const once = withReferrer(undefined, descriptor);
    expect(once.changed).toBe(true);
    const twice = withReferrer(once.index as ImageIndex, descriptor);
    expect(twice).toMatchObject({ changed: false, index: { manifests: [descriptor] } });
  });

  async function registryWithSubject(): Promise<MemoryRegistry> {
    const registry = new MemoryRegistry();
    const config = Buffer.from('{}');
    const { createHash } = await import('node:crypto');
    const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    await registry.putBlob(name, digest, config);
    return registry;
  }

  it('a rerun adds nothing twice; two writers racing on one subject both end up listed', async () => {
    const registry = await registryWithSubject();
    const writer = new ReferrersWriter(registry, name, { retryDelayMs: 1 });
    const sbom = { subject, artifactType: 'application/spdx+json', blob: Buffer.from('sbom') };
    const first = await writer.attach(sbom);
    expect(first.via).toBe('tag');
    await writer.attach(sbom);
    const tag = referrersTag(subject.digest);
    const listed = async () => ((await registry.getManifest(name, tag)).manifest as ImageIndex).manifests.map((m) => m.digest);
    expect(await listed()).toEqual([first.digest]);

    // Each writer reads the index, then the other's write lands before its own: the re-read after the write catches it.
    const racing = [new ReferrersWriter(registry, name, { retryDelayMs: 1 }), new ReferrersWriter(registry, name, { retryDelayMs: 1 })];
    const results = await Promise.all(racing.map((w, i) => w.attach({ subject, artifactType: 'application/vnd.in-toto+json', blob: Buffer.from(`statement ${i}`) })));
    expect((await listed()).sort()).toEqual([first.digest, ...results.map((r) => r.digest)].sort());
  });

  it('uses the referrers API, and writes no tag, when the registry has it', async () => {
    class ApiRegistry extends MemoryRegistry {
      override async getReferrers(): Promise<ImageIndex | undefined> {
        return { manifests: [] };
      }
    }
    const registry = new ApiRegistry();
    const attached = await new ReferrersWriter(registry, name).attach({ subject, artifactType: 'application/spdx+json', blob: Buffer.from('sbom') });
    expect(attached.via).toBe('api');
    expect(registry.tagWrites).toEqual([]);
  });
});

describe('the real signer', () => {
  it('signs only with the OIDC token request variables (id-token: write), and says how to get them otherwise', () => {
    expect(actionsAttestSigner({ GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.test', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' }).unavailable()).toBeUndefined();
    expect(actionsAttestSigner({ GITHUB_ACTIONS: 'true' }).unavailable()).toBe(ENABLE_SIGNING_HINT);
    expect(actionsAttestSigner({}).unavailable()).toMatch(/signing needs a GitHub Actions job/);
  });
});
