import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { errorAnnotations, runStep } from '../helpers/action.js';
import { crane, helloWorkspace, stack } from '../helpers/stack.js';

describe('image: <registry>/${{ github.repository }} for a repository like MyOrg/MyRepo', () => {
  it('pushes to the lower-case repository path and says so', async () => {
    const s = stack();
    const owner = `MyOrg${randomBytes(3).toString('hex')}`;
    const image = `${s.registry}/${owner}/MyRepo`;
    const run = await runStep('main', {
      workspace: await helloWorkspace(),
      inputs: { image, 'working-directory': 'examples/hello', builder: s.builder, tags: `v1\n${s.registry}/${owner}/Mirror:v1`, comment: 'never' },
      env: s.env,
    });
    expect(errorAnnotations(run)).toEqual([]);
    const lower = `${s.registry}/${owner.toLowerCase()}/myrepo`;
    expect(run.stdout).toContain(`${image} → ${lower}`);
    expect(run.outputs['image-ref']).toBe(`${lower}@${run.outputs.digest}`);
    // Read back by an independent client under the lower-case names, tags included.
    expect(crane(s, 'digest', `${lower}:v1`).trim()).toBe(run.outputs.digest);
    expect(crane(s, 'digest', `${s.registry}/${owner.toLowerCase()}/mirror:v1`).trim()).toBe(run.outputs.digest);
  }, 300_000);
});
