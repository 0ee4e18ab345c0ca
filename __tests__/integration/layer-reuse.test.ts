import { beforeAll, describe, expect, it } from '@jest/globals';
import { runStep } from '../helpers/action.js';
import { craneJson, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

let s: Stack;

beforeAll(() => {
  s = stack();
});

describe('a no-change rebuild', () => {
  it('reuses the compressed layers from the registry and gives the same digest', async () => {
    const image = uniqueRepository(s, 'layer-reuse');
    const workspace = await helloWorkspace();
    const inputs = { image, 'working-directory': 'examples/hello', builder: s.builder, 'ca-certificates': 'false' };
    const first = await runStep('main', { workspace, inputs, env: s.env });
    expect(first.exitCode).toBe(0);
    expect(first.stdout).not.toMatch(/Reused \d+ compressed layer/);
    const second = await runStep('main', { workspace, inputs, env: s.env });
    expect(second.exitCode).toBe(0);
    for (const run of [first, second]) console.log(/Time: [^\n]*/.exec(run.summary)?.[0]);
    expect(second.stdout).toMatch(new RegExp(`Reused \\d+ compressed layers? from ${image.replace(/[.]/g, '\\.')}:[\\w.-]+ \\(same diff_id, same compression\\)`));
    expect(second.outputs.digest).toBe(first.outputs.digest);
    expect(second.stdout).toMatch(/by digest \(0 new blob bytes\)/);
    expect(JSON.parse(second.outputs.sizes!)[0].layers).toEqual(JSON.parse(first.outputs.sizes!)[0].layers);
    // crane reads the image, and its layer carries the compression it was made with.
    const root = craneJson<{ manifests?: { digest: string }[] }>(s, 'manifest', `${image}@${second.outputs.digest}`);
    const manifest = craneJson<{ layers: { annotations?: Record<string, string> }[] }>(s, 'manifest', `${image}@${root.manifests?.[0]?.digest ?? second.outputs.digest}`);
    expect(manifest.layers[0]!.annotations?.['io.github.go-slim-image.layer.compression']).toMatch(/^libdeflate-1\.14 gzip level \d+/);

    // Another repository with this one as its baseline: the layers come by a cross-repository mount.
    const other = `${image}-copy`;
    const third = await runStep('main', { workspace, inputs: { ...inputs, image: other, baseline: `${image}:main` }, env: s.env });
    expect(third.exitCode).toBe(0);
    expect(third.outputs.digest).toBe(first.outputs.digest);
    expect(third.stdout).toMatch(/Pushed \S+-copy@sha256:\S+ by digest \(\d+ new blob bytes, \d+ blobs mounted from another repository\)/);
  }, 300_000);
});
