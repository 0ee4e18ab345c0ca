import { beforeAll, describe, expect, it } from '@jest/globals';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { crane, craneJson, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

interface Index {
  manifests: { digest: string; platform: { os: string; architecture: string; variant?: string } }[];
  annotations?: Record<string, string>;
}

describe('matrix: two legs pushed by digest, one merge job', () => {
  let s: Stack;
  let workspace: string;
  let image: string;
  let legs: ActionRun[];
  let merge: ActionRun;

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
    image = uniqueRepository(s, 'hello-matrix');
    // The legs run as separate jobs (separate runner folders), as strategy.matrix.platform would.
    legs = [];
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      legs.push(await runStep('main', { workspace, inputs: { image, 'working-directory': 'examples/hello', builder: s.builder, platforms: platform, 'push-by-digest': 'true', 'cache-backend': 'registry' }, env: s.env }));
    }
    merge = await runStep('main', { workspace, inputs: { image, platforms: 'linux/amd64,linux/arm64', mode: 'merge', tags: 'v1,latest', comment: 'never' }, env: s.env });
  }, 600_000);

  it('each leg pushes its platform by digest, with no tag of its own and no comment', () => {
    for (const leg of legs) {
      expect(errorAnnotations(leg)).toEqual([]);
      expect(leg.outputs.digest).toMatch(/^sha256:/);
      expect(leg.outputs.tags).toBe('');
    }
    expect(legs[0]!.stdout).toContain('buildcache-linux-amd64');
    expect(legs[1]!.stdout).toContain('buildcache-linux-arm64');
  });

  it('the merge creates an index with exactly the two platforms and the requested tags', () => {
    expect(errorAnnotations(merge)).toEqual([]);
    expect(merge.exitCode).toBe(0);
    const index = craneJson<Index>(s, 'manifest', `${image}:v1`);
    expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(index.manifests.map((m) => m.digest).sort()).toEqual(legs.map((l) => l.outputs.digest).sort());
    expect(crane(s, 'digest', `${image}:latest`).trim()).toBe(merge.outputs.digest);
    expect(merge.outputs['image-ref']).toBe(`${image}@${merge.outputs.digest}`);
    expect(crane(s, 'ls', image).split('\n').filter(Boolean).sort()).toEqual(expect.arrayContaining(['latest', 'v1']));
    expect(merge.summary).toContain('linux/arm64');
    // The merge carried the first platform's size report onto the index, where the next run reads its baseline.
    expect(JSON.parse(index.annotations?.['io.github.go-slim-image.size-report'] ?? '{}')).toMatchObject({ version: 1, platform: 'linux/amd64' });
  });

  it('re-running the merge gives the same index digest', async () => {
    const again = await runStep('main', { workspace, inputs: { image, platforms: 'linux/amd64,linux/arm64', mode: 'merge', tags: 'v1,latest', comment: 'never' }, env: s.env });
    expect(again.exitCode).toBe(0);
    expect(again.outputs.digest).toBe(merge.outputs.digest);
  }, 300_000);
});
