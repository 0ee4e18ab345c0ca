import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, spawnNode } from '../helpers/action.js';
import { crane, stack, uniqueRepository } from '../helpers/stack.js';

/** A newcomer's first screen: `npm run demo` (scripts/demo.mjs) against the local stack. */
describe('the demo', () => {
  it('prints through the terminal reporter, names the real buildx version, and pushes', async () => {
    const s = stack();
    const image = uniqueRepository(s, 'demo');
    const env = { ...process.env, ...s.env, GSI_REGISTRY: s.registry, GSI_BUILDER: s.builder, GSI_DEMO_IMAGE: image };
    const run = await spawnNode(path.join(repoRoot, 'scripts/demo.mjs'), env, repoRoot);
    const screen = `${run.stderr}\n${run.stdout}`;
    expect(run.exitCode).toBe(0);
    // No workflow commands (::group::, ::add-path::, ::set-env::, ::debug::) meant for a runner.
    expect(screen.split('\n').filter((line) => /^::[a-z-]+/.test(line.trim()))).toEqual([]);
    expect(screen).toMatch(/^==> Building the image with buildx/m);
    const pinned = /^BUILDX_VERSION=v(.+)$/m.exec(readFileSync(path.join(repoRoot, 'scripts/versions.env'), 'utf8'))![1]!;
    expect(screen).toContain(`buildx ${pinned}, builder ${s.builder}`);
    const digest = /^digest: +(sha256:[0-9a-f]{64})$/m.exec(run.stdout)![1]!;
    expect(crane(s, 'digest', `${image}:latest`).trim()).toBe(digest);
  }, 300_000);
});
