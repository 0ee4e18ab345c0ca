import { beforeAll, describe, expect, it } from '@jest/globals';
import { errorAnnotations, runStep } from '../helpers/action.js';
import { helloWorkspace, stack, type Stack } from '../helpers/stack.js';

describe('bad input fails fast with a message naming the input', () => {
  let s: Stack;
  let workspace: string;

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
  });

  it.each([
    ['an unknown platform', { platforms: 'linux/amd65' }, /Input 'platforms' .*"linux\/amd65".*closest: linux\/amd64/],
    ['a working-directory without go.mod', { 'working-directory': 'examples' }, /Input 'working-directory' .*"examples".*go\.mod/],
    ['a main that is not a main package', { main: './greeting' }, /Input 'main' .*"\.\/greeting".*main package.*package greeting/],
    ['an empty image', { image: '' }, /Input 'image' .*""/],
    ['a working-directory outside the workspace', { 'working-directory': '../..' }, /Input 'working-directory' .*inside the workspace/],
  ])('%s', async (_name, change, message) => {
    const started = Date.now();
    const run = await runStep('main', {
      workspace,
      inputs: { image: `${s.registry}/bad/input`, 'working-directory': 'examples/hello', builder: s.builder, ...change },
      env: s.env,
    });
    const errors = errorAnnotations(run);
    expect(run.exitCode).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(run.stdout).not.toContain('Compiling');
    expect(run.stdout).not.toContain('Building the image');
    // Reported, not asserted as a hard limit: the step should fail well within a few seconds.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
