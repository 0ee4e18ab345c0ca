import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { crane, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/**
 * The runners' Node versions: the machine's Node 20 (GSI_NODE20 when scripts/test.sh runs jest on
 * another one, else `node` on PATH) and the pinned Node 24 from scripts/stack.sh.
 */
function nodeBinaries(s: Stack): Record<'node20' | 'node24', string> {
  return { node20: process.env.GSI_NODE20 || 'node', node24: s.node24 };
}

const major = (node: string) => execFileSync(node, ['--version'], { encoding: 'utf8' }).trim().replace(/^v(\d+)\..*$/, '$1');

describe('the same commit on Node 20 and Node 24', () => {
  let s: Stack;
  const runs: Partial<Record<'node20' | 'node24', ActionRun>> = {};

  beforeAll(async () => {
    s = stack();
    const workspace = await helloWorkspace();
    for (const [name, node] of Object.entries(nodeBinaries(s)) as ['node20' | 'node24', string][]) {
      // ca-certificates auto: hello links crypto/x509, so the image has the CA bundle, the part
      // that used to come from the running Node.
      const inputs = { image: uniqueRepository(s, `hello-${name}`), 'working-directory': 'examples/hello', builder: s.builder, platforms: 'linux/amd64,linux/arm64' };
      runs[name] = await runStep('main', { workspace, inputs, env: s.env, node });
    }
  }, 600_000);

  it('runs the bundle on each major', () => {
    const binaries = nodeBinaries(s);
    expect([major(binaries.node20), major(binaries.node24)]).toEqual(['20', '24']);
  });

  it('gives the same index digest, pushed to the registry', () => {
    for (const run of Object.values(runs)) {
      expect(errorAnnotations(run)).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(crane(s, 'digest', run.outputs['image-ref']!).trim()).toBe(run.outputs.digest);
    }
    expect(runs.node24!.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(runs.node24!.outputs.digest).toBe(runs.node20!.outputs.digest);
    expect(runs.node24!.outputs.sizes).toBe(runs.node20!.outputs.sizes);
  });
});
