import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { bareBin } from '../helpers/bare-bin.js';
import { craneJson, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/*
 * The image bytes must not depend on what the builder built before. BuildKit's COPY cache key is
 * the content, not the file times, so a builder that built commit A hands commit B (same files)
 * A's snapshot with A's times; rewrite-timestamp only lowers later times. The layers' times are
 * therefore constant (docs/reproducibility.md), which also lets a layer whose content did not
 * change keep its diff_id, and its compressed blob, from commit to commit.
 *
 * The commit times are an hour or two before now and unique to this run, so a snapshot the shared
 * builder made for another test or run (older times) is what the cache hands back.
 */

const PLATFORMS = 'linux/amd64,linux/arm64';

function commit(workspace: string, time: Date, change: () => Promise<void>): Promise<void> {
  return change().then(() => {
    const env = { ...process.env, GIT_AUTHOR_DATE: time.toISOString(), GIT_COMMITTER_DATE: time.toISOString(), GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    execFileSync('git', ['add', '.'], { cwd: workspace, env, stdio: 'ignore' });
    execFileSync('git', ['commit', '-q', '-m', 'change'], { cwd: workspace, env, stdio: 'ignore' });
  });
}

function expectOk(run: ActionRun): void {
  expect(errorAnnotations(run)).toEqual([]);
  expect(run.exitCode).toBe(0);
}

describe('a builder that built an earlier commit', () => {
  let s: Stack;
  let bin: string;
  let goCaches: { GOCACHE: string; GOMODCACHE: string };

  beforeAll(async () => {
    s = stack();
    bin = await bareBin();
    const caches = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-history-go-'));
    goCaches = { GOCACHE: path.join(caches, 'build'), GOMODCACHE: path.join(caches, 'mod') };
  });

  const inputs = (repository: string): Record<string, string> => ({
    image: repository,
    'working-directory': 'examples/hello',
    platforms: PLATFORMS,
    'ca-certificates': 'true',
    'timezone-data': 'true',
    cache: 'false',
    'cache-backend': 'none',
    tags: `${repository}:t`,
  });
  const buildx = (workspace: string, repository: string) => runStep('main', { workspace, inputs: { ...inputs(repository), builder: s.builder, engine: 'buildx' }, env: { ...s.env, ...goCaches } });
  const direct = (workspace: string, repository: string) =>
    runStep('main', { workspace, inputs: { ...inputs(repository), engine: 'auto' }, env: { PATH: bin, BUILDKIT_HOST: undefined, DOCKER_HOST: undefined, ...goCaches } });

  /** Layer digests of each platform manifest of a pushed index. */
  const layersOf = (ref: string): string[][] =>
    craneJson<{ manifests: { digest: string }[] }>(s, 'manifest', ref).manifests.map((m) =>
      craneJson<{ layers: { digest: string }[] }>(s, 'manifest', `${ref.replace(/@.*$/, '')}@${m.digest}`).layers.map((l) => l.digest),
    );

  it('builds commit B (a README line changed) to the direct engine\'s digest, and a binary-only change reuses the passwd/CA layer', async () => {
    const now = Date.now();
    // A whole second, unique to this run, one to two hours ago.
    const commitA = new Date(Math.floor((now - 7_200_000 + Math.random() * 1_800_000) / 1000) * 1000);
    const workspace = await helloWorkspace(commitA.toISOString());
    const buildxRepository = uniqueRepository(s, 'history-buildx');
    const directRepository = uniqueRepository(s, 'history-direct');

    const a = await buildx(workspace, buildxRepository);
    expectOk(a);

    await commit(workspace, new Date(commitA.getTime() + 1_800_000), () => fs.writeFile(path.join(workspace, 'NOTES.md'), 'A line that is in no image.\n'));
    const bBuildx = await buildx(workspace, buildxRepository);
    expectOk(bBuildx);
    const bDirect = await direct(workspace, directRepository);
    expectOk(bDirect);
    expect(bDirect.stdout).toContain('Engine: direct');
    expect(bBuildx.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(bBuildx.outputs.digest).toBe(bDirect.outputs.digest);
    // Same content as A's rootfs layer, so the same diff_id: the compressed blob A pushed is reused.
    expect(bBuildx.stdout).toMatch(/Reused \d+ compressed layers? from \S+history-buildx:t/);

    // Commit C changes the program only: its rootfs layer (passwd, group, CA bundle, zoneinfo) is
    // B's, reused from the registry rather than compressed and uploaded again.
    const greeting = path.join(workspace, 'examples/hello/greeting');
    const source = (await fs.readdir(greeting)).find((file) => file.endsWith('.go') && !file.endsWith('_test.go'))!;
    await commit(workspace, new Date(commitA.getTime() + 3_600_000), async () => {
      await fs.appendFile(path.join(greeting, source), '\n// Changed by commit C.\nvar changedByC = "commit C"\n\nfunc init() { _ = changedByC }\n');
    });
    const cDirect = await direct(workspace, directRepository);
    expectOk(cDirect);
    expect(cDirect.stdout).toMatch(/Reused 1 compressed layer from \S+history-direct:t \(same diff_id, same compression\)/);
    const bLayers = layersOf(`${directRepository}@${bDirect.outputs.digest}`);
    const cLayers = layersOf(`${directRepository}@${cDirect.outputs.digest}`);
    for (const [i, layers] of cLayers.entries()) {
      expect(layers[0]).toBe(bLayers[i]![0]);
      expect(layers[1]).not.toBe(bLayers[i]![1]);
    }
  }, 900_000);
});
