import { beforeAll, describe, expect, it } from '@jest/globals';
import { writePullRequestEvent } from '../fixtures/pull-request-event.js';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { bareBin } from '../helpers/bare-bin.js';
import { crane, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/*
 * The README's matrix on a pull request from a fork, whose token cannot push: a push-by-digest leg
 * (direct engine, one platform: the leanest real build) and the merge job. Both succeed, say why
 * they push nothing, and the registry never hears of the repository.
 */

describe('a matrix leg and the merge on a pull request from a fork push nothing', () => {
  let s: Stack;
  let image: string;
  let leg: ActionRun;
  let merge: ActionRun;

  beforeAll(async () => {
    s = stack();
    const workspace = await helloWorkspace();
    const { env: event } = await writePullRequestEvent({ number: 77, fork: true });
    // The machine's Go caches (warm from the other tests): this test is about what is pushed, not the compile.
    const env = { ...event, PATH: await bareBin() };
    image = uniqueRepository(s, 'hello-matrix-fork');
    const common = { image, engine: 'direct', comment: 'never' };
    leg = await runStep('main', { workspace, inputs: { ...common, 'working-directory': 'examples/hello', cache: 'false', platforms: 'linux/amd64', 'push-by-digest': 'true' }, env });
    merge = await runStep('main', { workspace, inputs: { ...common, platforms: 'linux/amd64,linux/arm64', mode: 'merge' }, env });
  }, 600_000);

  it('the leg builds and sizes its platform, and says in one line why it pushes nothing', () => {
    expect(errorAnnotations(leg)).toEqual([]);
    expect(leg.exitCode).toBe(0);
    expect(leg.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(Number(leg.outputs.size)).toBeGreaterThan(0);
    expect(leg.outputs.tags).toBe('');
    expect(leg.stdout.split('\n').filter((line) => line.includes('pushes nothing'))).toEqual([
      'pull request from a fork: the workflow token cannot push packages, so push defaults to false: this matrix leg builds and reports its size but pushes nothing (no digest, no temporary tag), and the merge job skips the merge',
    ]);
    expect(leg.stdout).not.toContain('Pushing the image');
    expect(leg.summary).toContain('(not pushed)');
  });

  it('the merge job succeeds and says why it merges nothing', () => {
    expect(errorAnnotations(merge)).toEqual([]);
    expect(merge.exitCode).toBe(0);
    expect(merge.outputs.digest ?? '').toBe('');
    expect(merge.stdout).toContain('Merge skipped: the workflow token cannot push on this pull request');
    expect(merge.summary).toContain('Merge skipped');
  });

  it('the registry holds no tag and no manifest of the repository', () => {
    expect(() => crane(s, 'ls', image)).toThrow(/NAME_UNKNOWN|repository name not known/);
    expect(() => crane(s, 'manifest', `${image}@${leg.outputs.digest}`)).toThrow(/MANIFEST_UNKNOWN|NAME_UNKNOWN|unknown/);
  });
});
