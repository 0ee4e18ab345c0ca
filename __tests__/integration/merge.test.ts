import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { execCommand } from '../../src/exec.js';
import { mergeLegs, temporaryTag, type LegKey, type MergeResult } from '../../src/image/merge.js';
import { RegistryClient } from '../../src/image/registry.js';
import { parsePlatformList, type Platform } from '../../src/platform.js';
import { parseImageName } from '../../src/reference.js';
import { crane, craneJson, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

interface Index {
  mediaType: string;
  manifests: { digest: string; platform: { os: string; architecture: string; variant?: string } }[];
  annotations?: Record<string, string>;
}

const platforms = parsePlatformList('linux/amd64,linux/arm64');
const key: LegKey = { sha: '5d41402abc4b2a76b9719d911017c592a1b2c3d4', runId: '98765' };

const platformsOf = (index: Index) => index.manifests.map((m) => [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/')).sort();

/**
 * Pushes a small image for one platform the way a `push-by-digest: true` leg leaves it: the image
 * by digest plus the temporary tag, and nothing else. Returns its digest.
 */
function pushLeg(s: Stack, image: string, platform: Platform, content: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gsi-leg-'));
  writeFileSync(path.join(dir, 'hello.txt'), content);
  execFileSync('tar', ['-C', dir, '--mtime=2026-01-01', '--owner=0', '--group=0', '-cf', path.join(dir, 'layer.tar'), 'hello.txt']);
  const tag = `${image}:${temporaryTag(key, platform)}`;
  // The platform-less image crane appends is left untagged once mutate moves the tag on.
  crane(s, 'append', '--oci-empty-base', '-f', path.join(dir, 'layer.tar'), '-t', tag);
  crane(s, 'mutate', tag, '--set-platform', `${platform.os}/${platform.arch}`, '-t', tag);
  return crane(s, 'digest', tag).trim();
}

describe('matrix merge against the local registry and buildx', () => {
  let s: Stack;
  let image: string;
  let legDigests: Record<string, string>;
  let first: MergeResult;
  const client = new RegistryClient({ credentials: async () => undefined });
  const tags = () => [`${image}:1.2.3`, `${image}:latest`];
  const merge = () => mergeLegs({ ...key, image: parseImageName(image), platforms, tags: tags(), builder: s.builder, client, exec: execCommand });
  const pushLegs = () => {
    legDigests = Object.fromEntries(platforms.map((p) => [`${p.os}/${p.arch}`, pushLeg(s, image, p, `hello from ${p.arch}\n`)]));
  };

  beforeAll(async () => {
    s = stack();
    process.env.PATH = `${s.toolsBin}:${process.env.PATH}`;
    image = uniqueRepository(s, 'merge');
    pushLegs();
    first = await merge();
  }, 300_000);

  it('creates an index with exactly linux/amd64 and linux/arm64 under the requested tags', () => {
    const index = craneJson<Index>(s, 'manifest', `${image}:1.2.3`);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(platformsOf(index)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(Object.fromEntries(index.manifests.map((m) => [`${m.platform.os}/${m.platform.architecture}`, m.digest]))).toEqual(legDigests);
    for (const tag of tags()) expect(crane(s, 'digest', tag).trim()).toBe(first.digest);
    expect(first.imageRef).toBe(`${image}@${first.digest}`);
    expect(first.tags).toEqual(tags());
  });

  it('removes the temporary tags and nothing else: the platform images stay readable', () => {
    expect(first.removal).toEqual({ removed: platforms.map((p) => temporaryTag(key, p)), kept: [] });
    expect(crane(s, 'ls', image).trim().split('\n').filter((t) => !/^sha256-[0-9a-f]{64}$/.test(t)).sort()).toEqual(['1.2.3', 'latest']);
    for (const digest of Object.values(legDigests)) expect(craneJson<{ layers: unknown[] }>(s, 'manifest', `${image}@${digest}`).layers).toHaveLength(1);
    // crane pulls the whole index (every manifest, config and layer) without error.
    crane(s, 'pull', '--format', 'oci', `${image}:1.2.3`, mkdtempSync(path.join(os.tmpdir(), 'gsi-pull-')));
  });

  it('re-running the merge job after the temporary tags are gone gives the same index', async () => {
    const again = await merge();
    expect(again.reused).toBe(true);
    expect(again.digest).toBe(first.digest);
  }, 120_000);

  it('merging the same legs again gives the same digest (the composed index is deterministic)', async () => {
    pushLegs();
    const again = await merge();
    expect(again.reused).toBe(false);
    expect(again.digest).toBe(first.digest);
  }, 120_000);

  it('two merges racing leave one valid index', async () => {
    pushLegs();
    const results = await Promise.allSettled([merge(), merge()]);
    const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    console.log(`racing merges: ${results.map((r) => (r.status === 'fulfilled' ? `ok${r.value.reused ? ' (reused)' : ''}` : `failed: ${String(r.reason)}`)).join('; ')}`);
    expect(done.length).toBeGreaterThanOrEqual(1);
    for (const result of done) expect(result.digest).toBe(first.digest);
    for (const tag of tags()) expect(crane(s, 'digest', tag).trim()).toBe(first.digest);
    expect(platformsOf(craneJson<Index>(s, 'manifest', `${image}:latest`))).toEqual(['linux/amd64', 'linux/arm64']);
    expect(crane(s, 'ls', image).trim().split('\n').filter((t) => !/^sha256-[0-9a-f]{64}$/.test(t)).sort()).toEqual(['1.2.3', 'latest']);
  }, 120_000);

  it('fails with the missing temporary tags when a leg never ran', async () => {
    const other = uniqueRepository(s, 'merge-missing');
    pushLeg(s, other, platforms[0]!, 'only amd64\n');
    await expect(mergeLegs({ ...key, image: parseImageName(other), platforms, tags: [`${other}:main`], builder: s.builder, client, exec: execCommand })).rejects.toThrow(
      new RegExp(`merge found no image for ${other.replace(/\./g, '\\.')}:${temporaryTag(key, platforms[1]!)}: run the build legs first with push-by-digest: true`),
    );
  }, 120_000);

  it('refuses a leg whose image is for another platform', async () => {
    const other = uniqueRepository(s, 'merge-wrong');
    const digest = pushLeg(s, other, platforms[0]!, 'amd64\n');
    crane(s, 'tag', `${other}@${digest}`, temporaryTag(key, platforms[1]!));
    await expect(mergeLegs({ ...key, image: parseImageName(other), platforms, tags: [`${other}:main`], builder: s.builder, client, exec: execCommand })).rejects.toThrow(/should be a linux\/arm64 image but holds linux\/amd64/);
  }, 120_000);
});
