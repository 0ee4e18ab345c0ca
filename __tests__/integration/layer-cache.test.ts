import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writePullRequestEvent } from '../fixtures/pull-request-event.js';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { crane, helloWorkspace, pruneBuildkit, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

const cachedSteps = (run: ActionRun) => run.stdout.split('\n').filter((line) => /^#\d+ CACHED$/.test(line.trim())).length;
const seconds = (run: ActionRun) => Number(/image build ([0-9.]+) s/.exec(run.summary)?.[1]);

describe('registry layer cache across branches', () => {
  let s: Stack;
  let workspace: string;
  let image: string;
  let main: ActionRun;
  let pr: ActionRun;
  let mainCacheBefore: string;

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
    image = uniqueRepository(s, 'hello-cache');
    const inputs = { image, 'working-directory': 'examples/hello', builder: s.builder, platforms: 'linux/amd64,linux/arm64', 'cache-backend': 'registry' };
    pruneBuildkit(s);
    main = await runStep('main', { workspace, inputs, env: s.env });
    mainCacheBefore = crane(s, 'digest', `${image}:buildcache`).trim();

    const file = path.join(workspace, 'examples/hello/greeting/greeting.go');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('hello, %s', 'hi, %s'));
    execFileSync('sh', ['-c', 'git add -A && git -c user.name=t -c user.email=t@example.com commit -qm "one line"'], { cwd: workspace });

    // A pull request on a fresh runner: BuildKit's local state is gone, only the registry cache is left.
    pruneBuildkit(s);
    const { env } = await writePullRequestEvent({ number: 7 });
    pr = await runStep('main', { workspace, inputs, env: { ...s.env, ...env, GITHUB_REF: 'refs/pull/7/merge' } });
  }, 600_000);

  it('the main line writes <image>:buildcache', () => {
    expect(errorAnnotations(main)).toEqual([]);
    expect(main.stdout).toContain('cache-write: auto writes from refs/heads/main');
    expect(mainCacheBefore).toMatch(/^sha256:/);
  });

  it('the pull request reuses the unchanged layers from the main line\'s cache', () => {
    expect(errorAnnotations(pr)).toEqual([]);
    expect(pr.exitCode).toBe(0);
    expect(pr.stdout).toContain(`importing cache manifest from ${image}:buildcache`);
    // the rootfs layers of both platforms did not change and come from the registry cache
    expect(cachedSteps(pr)).toBeGreaterThanOrEqual(2);
    console.log(`cold main build ${seconds(main)} s (${cachedSteps(main)} cached steps); PR build after a one-line change, fresh BuildKit: ${seconds(pr)} s, ${cachedSteps(pr)} cached steps`);
  });

  it('the pull request did not write the main line\'s cache, nor one of its own', () => {
    expect(pr.stdout).toContain('cache-write: auto writes only from the default branch (main) and tags');
    expect(crane(s, 'digest', `${image}:buildcache`).trim()).toBe(mainCacheBefore);
    expect(crane(s, 'ls', image)).not.toContain('buildcache-pr-7');
  });

  it('a failed cache export leaves the build green with a warning, and the image pushed', async () => {
    const run = await runStep('main', {
      workspace,
      inputs: { image, 'working-directory': 'examples/hello', builder: s.builder, 'cache-backend': 'registry', 'cache-ref': '127.0.0.1:1/unreachable/cache', 'ca-certificates': 'false' },
      env: s.env,
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/::warning::The layer cache could not be exported \(error writing layer blob/);
    expect(crane(s, 'digest', `${image}:main`).trim()).toBe(run.outputs.digest);
  }, 300_000);
});
