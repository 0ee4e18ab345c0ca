import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { craneJson, helloWorkspace, pruneBuildkit, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

interface CacheManifest {
  config: { digest: string; mediaType: string };
  layers: { digest: string }[];
}

const cachedSteps = (run: ActionRun) => run.stdout.split('\n').filter((line) => /^#\d+ CACHED$/.test(line.trim())).length;

/**
 * Two runs of the same commit at the same time (a re-run racing the original, two workflows on one
 * push) both export the layer cache to the same ref. Whichever write lands last, the ref must stay a
 * complete cache that the next build, with BuildKit's local cache gone, still hits.
 */
describe('two concurrent runs writing the same cache ref', () => {
  let s: Stack;
  const workspaces: string[] = [];
  let cacheRef: string;
  let racers: ActionRun[];

  beforeAll(async () => {
    s = stack();
    cacheRef = `${uniqueRepository(s, 'race-cache')}:buildcache`;
    for (let i = 0; i < 3; i++) workspaces.push(await helloWorkspace());
    // BuildKit starts cold, so both runs really export (not only re-tag what the other wrote).
    pruneBuildkit(s);
    racers = await Promise.all(
      [0, 1].map((i) =>
        runStep('main', {
          workspace: workspaces[i]!,
          inputs: { image: uniqueRepository(s, `racer-${i}`), 'working-directory': 'examples/hello', builder: s.builder, 'cache-backend': 'registry', 'cache-ref': cacheRef, 'cache-write': 'always', comment: 'never' },
          env: s.env,
        }),
      ),
    );
  }, 300_000);

  afterAll(async () => {
    for (const dir of workspaces) await fs.rm(dir, { recursive: true, force: true });
  });

  it('both succeed, exporting to the same ref, with the same image digest', () => {
    for (const run of racers) {
      expect(errorAnnotations(run)).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain(`exporting cache to registry`);
    }
    expect(racers[0]!.outputs.digest).toBe(racers[1]!.outputs.digest);
  });

  it('leave a cache manifest whose every blob is in the registry', async () => {
    const manifest = craneJson<CacheManifest>(s, 'manifest', cacheRef);
    expect(manifest.layers.length).toBeGreaterThan(0);
    const [repository] = cacheRef.split(':buildcache') as [string];
    const name = repository.slice(s.registry.length + 1);
    for (const digest of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
      const response = await fetch(`http://${s.registry}/v2/${name}/blobs/${digest}`, { method: 'HEAD' });
      expect([digest, response.status]).toEqual([digest, 200]);
    }
  });

  it('the next build, with BuildKit\'s local cache pruned, still comes from that cache', async () => {
    pruneBuildkit(s);
    const next = await runStep('main', {
      workspace: workspaces[2]!,
      inputs: { image: uniqueRepository(s, 'after-race'), 'working-directory': 'examples/hello', builder: s.builder, 'cache-backend': 'registry', 'cache-ref': cacheRef, 'cache-write': 'never', comment: 'never' },
      env: s.env,
    });
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toContain(`importing cache manifest from ${cacheRef}`);
    expect(cachedSteps(next)).toBeGreaterThanOrEqual(2);
    expect(next.outputs.digest).toBe(racers[0]!.outputs.digest);
    console.log(`after the race: ${cachedSteps(next)} CACHED steps (racers: ${racers.map(cachedSteps).join(', ')})`);
  }, 300_000);
});
