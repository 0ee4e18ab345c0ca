import { describe, expect, it } from '@jest/globals';
import { imagetoolsCreateArgs, indexPlatforms, legPrefix, LEGS_ANNOTATION, mergeLegs, removeTemporaryTags, REVISION_ANNOTATION, temporaryTag, tombstoneManifest, type ImagetoolsCreateSpec } from '../../src/image/merge.js';
import { sha256 } from '../../src/image/oci-layout.js';
import type { Registry } from '../../src/image/registry.js';
import { formatPlatform, parsePlatform, parsePlatformList } from '../../src/platform.js';
import { MemoryRegistry, recordingExec } from '../helpers/fake-tools.js';
import { formatImageName, parseImageName } from '../../src/reference.js';

const sha = '9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d';
const d1 = `sha256:${'11'.repeat(32)}`;
const d2 = `sha256:${'22'.repeat(32)}`;

describe('temporaryTag', () => {
  it.each([
    ['linux/amd64', '12345678901', '9a8b7c6-12345678901-linux-amd64'],
    ['linux/arm64', '12345678901', '9a8b7c6-12345678901-linux-arm64'],
    ['linux/arm/v7', '12345678901', '9a8b7c6-12345678901-linux-arm-v7'],
    ['linux/amd64/v3', undefined, '9a8b7c6-linux-amd64-v3'],
  ])('%s (run %s) -> %s', (platform, runId, tag) => {
    expect(temporaryTag({ sha, ...(runId ? { runId } : {}) }, parsePlatform(platform))).toBe(tag);
  });

  it('refuses something that is not a commit', () => {
    expect(() => legPrefix({ sha: 'main' })).toThrow(/not a commit SHA/);
  });
});

describe('imagetoolsCreateArgs', () => {
  it.each<[string, ImagetoolsCreateSpec, string[]]>([
    [
      'two legs, two tags, annotations sorted',
      {
        tags: ['ghcr.io/acme/hello:1.2.3', 'ghcr.io/acme/hello:latest'],
        annotations: { 'org.opencontainers.image.revision': sha, 'io.github.go-slim-image.legs': '9a8b7c6-1' },
        sources: [`ghcr.io/acme/hello@${d1}`, `ghcr.io/acme/hello@${d2}`],
      },
      [
        'buildx', 'imagetools', 'create',
        '--tag', 'ghcr.io/acme/hello:1.2.3', '--tag', 'ghcr.io/acme/hello:latest',
        '--annotation', 'index:io.github.go-slim-image.legs=9a8b7c6-1',
        '--annotation', `index:org.opencontainers.image.revision=${sha}`,
        `ghcr.io/acme/hello@${d1}`, `ghcr.io/acme/hello@${d2}`,
      ],
    ],
    [
      'named builder, one tag in another registry',
      { builder: 'gsi', tags: ['docker.io/acme/hello:main'], sources: [`ghcr.io/acme/hello@${d1}`] },
      ['buildx', 'imagetools', 'create', '--builder', 'gsi', '--tag', 'docker.io/acme/hello:main', `ghcr.io/acme/hello@${d1}`],
    ],
  ])('%s', (_name, spec, args) => {
    expect(imagetoolsCreateArgs(spec)).toEqual(args);
  });

  it('needs a tag and a source', () => {
    expect(() => imagetoolsCreateArgs({ tags: [], sources: ['a@b'] })).toThrow(/at least one tag/);
    expect(() => imagetoolsCreateArgs({ tags: ['x:y'], sources: [] })).toThrow(/at least one platform/);
  });
});

describe('tombstone', () => {
  it('is the same bytes for the same owner, another for another owner, an OCI 1.1 artifact with the empty descriptor', () => {
    const a = tombstoneManifest('run-a');
    expect(a.digest).toBe(tombstoneManifest('run-a').digest);
    expect(a.digest).not.toBe(tombstoneManifest('run-b').digest);
    expect(a.digest).toBe(sha256(a.bytes));
    const manifest = JSON.parse(a.bytes.toString()) as { artifactType: string; config: { digest: string; size: number } };
    expect(manifest.artifactType).toBe('application/vnd.go-slim-image.removed-tag.v1');
    expect(manifest.config).toMatchObject({ digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 });
  });
});

describe('indexPlatforms', () => {
  it('leaves out attestation manifests', () => {
    const index = {
      manifests: [
        { mediaType: 'm', digest: d1, size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { mediaType: 'm', digest: d2, size: 1, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      ],
    };
    expect(indexPlatforms(index)).toEqual(['linux/arm/v7']);
  });
});

/** A registry with tags and manifests in memory, deletes as distribution does them (by digest, taking every tag along). */
function memoryRegistry(options: { deletes: boolean }) {
  const manifests = new Map<string, Buffer>();
  const tags = new Map<string, string>();
  const blobs = new Set<string>();
  const client = {
    hasBlob: async (_name: unknown, digest: string) => blobs.has(digest),
    putBlob: async (_name: unknown, digest: string) => void blobs.add(digest),
    putManifest: async (_name: unknown, reference: string, _type: string, body: Buffer) => {
      const digest = sha256(body);
      manifests.set(digest, body);
      if (!reference.startsWith('sha256:')) tags.set(reference, digest);
      return digest;
    },
    deleteManifest: async (_name: unknown, digest: string) => {
      if (!options.deletes || !manifests.has(digest)) return false;
      manifests.delete(digest);
      for (const [tag, target] of tags) if (target === digest) tags.delete(tag);
      return true;
    },
    findManifest: async (_name: unknown, reference: string) => {
      const digest = reference.startsWith('sha256:') ? reference : tags.get(reference);
      const body = digest ? manifests.get(digest) : undefined;
      return body && digest ? { manifest: JSON.parse(body.toString()), digest } : undefined;
    },
  };
  return { client: client as unknown as Registry, manifests, tags };
}

describe('removeTemporaryTags', () => {
  const image = parseImageName('127.0.0.1:5000/acme/hello');
  const leg = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: d1 }, layers: [] }));

  it('removes the tags and leaves the image they pointed at, and its other tags', async () => {
    const { client, manifests, tags } = memoryRegistry({ deletes: true });
    const digest = await client.putManifest(image, 'abc1234-linux-amd64', 'm', leg);
    await client.putManifest(image, 'keep-me', 'm', leg);
    const result = await removeTemporaryTags(client, image, ['abc1234-linux-amd64']);
    expect(result).toEqual({ removed: ['abc1234-linux-amd64'], kept: [] });
    expect([...tags.keys()]).toEqual(['keep-me']);
    expect(manifests.has(digest)).toBe(true);
    expect([...manifests.values()].some((body) => body.toString().includes('removed-tag'))).toBe(false);
  });

  it('keeps the tags where they are when the registry does not allow deletes', async () => {
    const { client, tags } = memoryRegistry({ deletes: false });
    const digest = await client.putManifest(image, 'abc1234-linux-amd64', 'm', leg);
    const result = await removeTemporaryTags(client, image, ['abc1234-linux-amd64']);
    expect(result).toEqual({ removed: [], kept: ['abc1234-linux-amd64'], reason: '127.0.0.1:5000 does not allow deleting manifests' });
    expect(tags.get('abc1234-linux-amd64')).toBe(digest);
  });
});

/**
 * A registry that deletes as distribution 2.8 does, in two steps with other requests between them:
 * DELETE by digest first removes the manifest's revision link (404 when it is already gone), then
 * untags what points at it; PUT writes the revision link, then the tag. A tag whose manifest is gone
 * is still listed (tags/list reads the tag folders) but GET answers 404. `pause` runs between the
 * steps, so a seeded scheduler can interleave two callers.
 */
function distributionRegistry(pause: () => Promise<void>) {
  const bodies = new Map<string, Buffer>();
  const revisions = new Set<string>();
  const tags = new Map<string, string>();
  const blobs = new Set<string>();
  const client = {
    hasBlob: async (_name: unknown, digest: string) => blobs.has(digest),
    putBlob: async (_name: unknown, digest: string) => void blobs.add(digest),
    putManifest: async (_name: unknown, reference: string, _type: string, body: Buffer) => {
      const digest = sha256(body);
      bodies.set(digest, body);
      revisions.add(digest);
      await pause();
      if (!reference.startsWith('sha256:')) tags.set(reference, digest);
      return digest;
    },
    deleteManifest: async (_name: unknown, digest: string) => {
      await pause();
      if (!revisions.has(digest)) return false;
      revisions.delete(digest);
      await pause();
      const referencing = [...tags].filter(([, target]) => target === digest).map(([tag]) => tag);
      await pause();
      for (const tag of referencing) tags.delete(tag);
      return true;
    },
    findManifest: async (_name: unknown, reference: string) => {
      await pause();
      const digest = reference.startsWith('sha256:') ? reference : tags.get(reference);
      return digest && revisions.has(digest) ? { manifest: JSON.parse(bodies.get(digest)!.toString()), digest } : undefined;
    },
  };
  return { client: client as unknown as Registry, tags, revisions };
}

/** A pause of 0-3 event-loop turns, from a seeded generator: the same seed, the same interleaving. */
function seededPause(seed: number): () => Promise<void> {
  let state = seed;
  return async () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    for (let turns = state % 4; turns > 0; turns--) await new Promise((resolve) => setImmediate(resolve));
  };
}

describe('two merges removing the same temporary tags at once (a re-run beside the first run)', () => {
  const image = parseImageName('127.0.0.1:5000/acme/hello');
  const legTags = ['5d41402-98765-linux-amd64', '5d41402-98765-linux-arm64'];
  const leg = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: d1 }, layers: [] }));
  const seeds = Array.from({ length: 300 }, (_, i) => i + 1);

  async function race(seed: number, owners: [string | undefined, string | undefined]) {
    const { client, tags } = distributionRegistry(seededPause(seed));
    for (const tag of legTags) await client.putManifest(image, tag, 'm', leg);
    await client.putManifest(image, 'latest', 'm', leg);
    const results = await Promise.all(owners.map((owner) => removeTemporaryTags(client, image, legTags, owner)));
    return { left: [...tags.keys()].filter((tag) => tag !== 'latest'), results };
  }

  it('leave no temporary tag listed and warn about none, whatever the interleaving', async () => {
    for (const seed of seeds) {
      const { left, results } = await race(seed, [undefined, undefined]);
      expect({ seed, left }).toEqual({ seed, left: [] });
      for (const result of results) expect({ seed, kept: result.kept }).toEqual({ seed, kept: [] });
    }
  });

  it('would leave a tag listed with one tombstone shared by both (the cause: distribution deletes in two steps)', async () => {
    const leaks: number[] = [];
    for (const seed of seeds) if ((await race(seed, ['shared', 'shared'])).left.length > 0) leaks.push(seed);
    expect(leaks.length).toBeGreaterThan(0);
  });
});

describe('mergeLegs with the direct engine', () => {
  const image = parseImageName('127.0.0.1:5000/acme/hello');
  const platforms = parsePlatformList('linux/amd64,linux/arm64');
  const REPORT = 'io.github.go-slim-image.size-report';

  /** A push-by-digest leg: config, manifest annotated with its size report, the temporary tag. */
  async function pushLeg(registry: MemoryRegistry, platform: (typeof platforms)[number]): Promise<string> {
    const config = Buffer.from(JSON.stringify({ os: platform.os, architecture: platform.arch }));
    await registry.putBlob(image, sha256(config), config);
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [],
      annotations: { [REPORT]: JSON.stringify({ version: 1, platform: formatPlatform(platform) }), 'com.example.other': 'x' },
    };
    return registry.putManifest(image, temporaryTag({ sha, runId: '7' }, platform), manifest.mediaType, Buffer.from(JSON.stringify(manifest)));
  }

  it.each([
    ['carries the first platform\'s size report onto the index', { [REPORT]: (values: readonly (string | undefined)[]) => values[0] }, { [REPORT]: '{"version":1,"platform":"linux/amd64"}' }],
    ['combines the legs\' values in platform order', { [REPORT]: (values: readonly (string | undefined)[]) => values.map((v) => JSON.parse(v!).platform).join(' ') }, { [REPORT]: 'linux/amd64 linux/arm64' }],
    ['carries nothing it was not asked to', {}, {}],
  ])('%s', async (_name, carryAnnotations, carried) => {
    const registry = new MemoryRegistry();
    const digests = [await pushLeg(registry, platforms[0]!), await pushLeg(registry, platforms[1]!)];
    const { exec, calls } = recordingExec([]);
    const result = await mergeLegs({ sha, runId: '7', image, platforms, tags: [`${formatImageName(image)}:main`], client: registry, exec, engine: 'direct', carryAnnotations });
    expect(calls).toEqual([]);
    const { manifest } = await registry.getManifest(image, 'main');
    expect((manifest as { manifests: { digest: string }[] }).manifests.map((m) => m.digest)).toEqual(digests);
    expect((manifest as { annotations?: Record<string, string> }).annotations).toEqual({ ...carried, [LEGS_ANNOTATION]: `${sha.slice(0, 7)}-7`, [REVISION_ANNOTATION]: sha });
    expect(result.digest).toBe(registry.tagDigest(image, 'main'));
  });
});
