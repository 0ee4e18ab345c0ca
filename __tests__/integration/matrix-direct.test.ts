import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { bareBin } from '../helpers/bare-bin.js';
import { crane, craneJson, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/*
 * A matrix with the direct engine, as on runners without Docker: one push-by-digest leg per
 * platform, then mode: merge composing the index through the registry API. All three steps run with
 * a PATH of node, go, git and coreutils only; crane (outside that PATH) reads the result.
 */

interface Index {
  manifests: { mediaType: string; digest: string; size: number; platform: { os: string; architecture: string; variant?: string } }[];
  annotations?: Record<string, string>;
}

const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const SIZE_REPORT = 'io.github.go-slim-image.size-report';

describe('matrix legs and merge with engine: direct and no docker CLI', () => {
  let s: Stack;
  let workspace: string;
  let image: string;
  let legs: ActionRun[];
  let merge: ActionRun;
  let gated: ActionRun;
  let legTagsAfterGated: string[];
  let single: ActionRun;

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
    const bin = await bareBin();
    const caches = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-matrix-direct-go-'));
    const env = { PATH: bin, BUILDKIT_HOST: undefined, DOCKER_HOST: undefined, GOCACHE: path.join(caches, 'build'), GOMODCACHE: path.join(caches, 'mod') };
    const build = { 'working-directory': 'examples/hello', engine: 'direct', cache: 'false', 'cache-backend': 'none' };
    image = uniqueRepository(s, 'hello-matrix-direct');
    // Separate runner folders per step, as separate matrix jobs have.
    legs = [];
    for (const platform of PLATFORMS) {
      legs.push(await runStep('main', { workspace, inputs: { image, ...build, platforms: platform, 'push-by-digest': 'true' }, env }));
    }
    // A merge whose size gate rejects the index: it must tag nothing and leave the legs for the next merge.
    gated = await runStep('main', { workspace, inputs: { image, engine: 'direct', platforms: PLATFORMS.join(','), mode: 'merge', tags: 'gated', 'size-budget': '1', comment: 'never' }, env });
    // Referrers tags (sha256-<hex>: the legs' SBOMs) are not image tags.
    legTagsAfterGated = crane(s, 'ls', image).split('\n').filter(Boolean).filter((t) => !/^sha256-[0-9a-f]{64}$/.test(t)).sort();
    merge = await runStep('main', { workspace, inputs: { image, engine: 'direct', platforms: PLATFORMS.join(','), mode: 'merge', tags: 'v1,latest', comment: 'never' }, env });
    // The same commit and inputs in one run with both platforms, in a repository of its own.
    const other = uniqueRepository(s, 'hello-single-direct');
    single = await runStep('main', { workspace, inputs: { image: other, ...build, platforms: PLATFORMS.join(','), tags: `${other}:v1` }, env });
  }, 900_000);

  const platformOf = (m: Index['manifests'][number]) => [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/');

  it('every step succeeds with the direct engine', () => {
    for (const run of [...legs, merge, single]) {
      expect(errorAnnotations(run)).toEqual([]);
      expect(run.exitCode).toBe(0);
    }
    for (const leg of legs) expect(leg.stdout).toContain('Engine: direct (engine: direct)');
    expect(merge.stdout).toContain('composed through the registry API');
    expect(merge.stdout).not.toContain('imagetools');
  });

  it('a merge the size gate rejects fails, sets the digest, and tags nothing: the index is pushed by digest only', () => {
    expect(gated.exitCode).not.toBe(0);
    expect(errorAnnotations(gated).join('\n')).toMatch(/Image size gate failed:[\s\S]*linux\/amd64/);
    expect(gated.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(gated.outputs['image-ref']).toBe(`${image}@${gated.outputs.digest}`);
    expect(gated.outputs.tags ?? '').toBe('');
    expect(gated.stdout).toContain(`the tags were not moved (${image}:gated); the index is pushed by digest only: ${image}@${gated.outputs.digest}`);
    // The tag was never written; the index is there by digest, with both platforms.
    expect(() => crane(s, 'digest', `${image}:gated`)).toThrow(/MANIFEST_UNKNOWN/);
    expect(craneJson<Index>(s, 'manifest', `${image}@${gated.outputs.digest}`).manifests.map(platformOf)).toEqual(PLATFORMS);
    // The legs kept their temporary tags (and nothing else was tagged), so the next merge found them and made the same index.
    expect(legTagsAfterGated).toEqual(PLATFORMS.map((p) => expect.stringMatching(new RegExp(`-1000001-${p.replace('/', '-')}$`))));
    expect(merge.outputs.digest).toBe(gated.outputs.digest);
  });

  it('the legs attach one SBOM per platform, the merge one provenance on the index, the gated merge nothing (oras discover)', () => {
    const discover = (ref: string) =>
      (JSON.parse(execFileSync(path.join(s.toolsBin, 'oras'), ['discover', '--plain-http', '--format', 'json', ref], { encoding: 'utf8' })) as { referrers?: { artifactType: string }[] }).referrers?.map((r) => r.artifactType) ?? [];
    for (const leg of legs) {
      expect(discover(`${image}@${leg.outputs.digest}`)).toEqual(['application/spdx+json']);
      expect(JSON.parse(leg.outputs.attestations!).map((a: { kind: string }) => a.kind)).toEqual(['sbom']);
    }
    expect(discover(`${image}@${merge.outputs.digest}`)).toEqual(['application/vnd.in-toto+json']);
    expect(gated.outputs.attestations).toBeUndefined();
    expect(gated.stdout).toContain('Attestations: none attached (the size gate failed)');
  });

  it('each leg pushes its one platform by digest, with no tag but its temporary one', () => {
    for (const [i, leg] of legs.entries()) {
      expect(leg.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(leg.outputs.tags).toBe('');
      const config = craneJson<{ os: string; architecture: string }>(s, 'config', `${image}@${leg.outputs.digest}`);
      expect(`${config.os}/${config.architecture}`).toBe(PLATFORMS[i]);
    }
  });

  it('the merged index holds both platforms with the legs\' manifests, under both tags', () => {
    const index = craneJson<Index>(s, 'manifest', `${image}:v1`);
    expect(index.manifests.map(platformOf)).toEqual(PLATFORMS);
    expect(index.manifests.map((m) => m.digest)).toEqual(legs.map((l) => l.outputs.digest));
    expect(crane(s, 'digest', `${image}:v1`).trim()).toBe(merge.outputs.digest);
    expect(crane(s, 'digest', `${image}:latest`).trim()).toBe(merge.outputs.digest);
    expect(merge.outputs['image-ref']).toBe(`${image}@${merge.outputs.digest}`);
    // The temporary tags are gone; only the requested ones are left.
    expect(crane(s, 'ls', image).split('\n').filter(Boolean).filter((t) => !/^sha256-[0-9a-f]{64}$/.test(t)).sort()).toEqual(['latest', 'v1']);
    // Every manifest, config and layer is there.
    crane(s, 'pull', '--format', 'oci', `${image}:v1`, path.join(os.tmpdir(), `gsi-matrix-direct-pull-${process.pid}`));
  });

  /*
   * The index digests cannot match, by design: each leg stores its own platform's size report on its
   * manifest (its root), where a single run stores the first platform's report on its index; and
   * the merge annotates the index with the legs' prefix (how a re-run recognises it) and the
   * revision. Everything else is the same: each leg's manifest is the single run's for that
   * platform plus its report (same config and layer blobs), and the merged index carries the first
   * platform's report as the single run's index does, so the next run finds its baseline there.
   */
  it('the legs\' manifests are the single run\'s plus their size report; the index carries the first platform\'s', () => {
    const mergedIndex = craneJson<Index>(s, 'manifest', `${image}:v1`);
    const singleIndex = craneJson<Index>(s, 'manifest', single.outputs['image-ref']!);
    expect(mergedIndex.manifests.map(platformOf)).toEqual(singleIndex.manifests.map(platformOf));
    for (const [i, child] of singleIndex.manifests.entries()) {
      const { annotations: legAnnotations, ...leg } = craneJson<{ annotations?: Record<string, string> }>(s, 'manifest', `${image}@${legs[i]!.outputs.digest}`);
      const { annotations: singleAnnotations, ...inSingle } = craneJson<{ annotations?: Record<string, string> }>(s, 'manifest', `${single.outputs['image-ref']!.split('@')[0]}@${child.digest}`);
      expect(leg).toEqual(inSingle);
      expect(singleAnnotations).toBeUndefined();
      expect(Object.keys(legAnnotations ?? {})).toEqual([SIZE_REPORT]);
      expect((JSON.parse(legAnnotations![SIZE_REPORT]!) as { platform: string }).platform).toBe(PLATFORMS[i]);
    }
    const sha = execFileSync('git', ['-C', workspace, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(Object.keys(singleIndex.annotations ?? {})).toEqual([SIZE_REPORT]);
    expect(mergedIndex.annotations).toEqual({
      [SIZE_REPORT]: singleIndex.annotations![SIZE_REPORT],
      // runStep's GITHUB_RUN_ID
      'io.github.go-slim-image.legs': `${sha.slice(0, 7)}-1000001`,
      'org.opencontainers.image.revision': sha,
    });
    expect(merge.outputs.digest).not.toBe(single.outputs.digest);
  });

  it('re-running the merge gives the same index digest', async () => {
    const bin = await bareBin();
    const again = await runStep('main', { workspace, inputs: { image, engine: 'direct', platforms: PLATFORMS.join(','), mode: 'merge', tags: 'v1,latest', comment: 'never' }, env: { PATH: bin } });
    expect(errorAnnotations(again)).toEqual([]);
    expect(again.outputs.digest).toBe(merge.outputs.digest);
  }, 300_000);
});
