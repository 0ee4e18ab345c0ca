import { beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { crane, craneJson, helloWorkspace, imageFiles, pruneBuildkit, stack, uniqueRepository, type Stack } from '../helpers/stack.js';


interface Manifest {
  mediaType: string;
  config: { size: number };
  layers: { size: number }[];
}

describe('the bundled action on the local registry and BuildKit', () => {
  let s: Stack;
  let workspace: string;
  let image: string;
  let first: ActionRun;
  // ca-certificates off: this run checks the minimal image (the platforms test covers the auto rule).
  // cache-backend registry: this suite checks the layer cache too, which auto leaves out in prebuilt mode.
  const inputs = () => ({ image, 'working-directory': 'examples/hello', builder: s.builder, 'ca-certificates': 'false', 'cache-backend': 'registry' });

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
    image = uniqueRepository(s, 'hello');
    first = await runStep('main', { workspace, inputs: inputs(), env: s.env });
  }, 300_000);

  it('succeeds and sets the outputs', () => {
    expect(errorAnnotations(first)).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(first.outputs['image-ref']).toBe(`${image}@${first.outputs.digest}`);
    // tags derived from the push to main: the branch name and sha-<7 hex>
    expect(first.outputs.tags!.split('\n')).toEqual([`${image}:main`, expect.stringMatching(new RegExp(`^${image.replace(/[.]/g, '\\.')}:sha-[0-9a-f]{7}$`))]);
    expect(first.outputs['go-version']).toMatch(/^1\.\d+/);
    expect(first.summary).toContain('## go-slim-image');
    expect(first.summary).toContain('linux/amd64');
    expect(first.summary).not.toContain('CA bundle:');
  });

  it('pushed a single-platform image manifest that runs as 65532', () => {
    expect(crane(s, 'digest', `${image}:main`).trim()).toBe(first.outputs.digest);
    const manifest = craneJson<Manifest>(s, 'manifest', first.outputs['image-ref']!);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    const config = craneJson<{ config: { User: string; Entrypoint: string[] }; architecture: string; os: string }>(s, 'config', first.outputs['image-ref']!);
    expect(config.config.User).toBe('65532:65532');
    expect(config.config.Entrypoint).toEqual(['/usr/local/bin/hello']);
    expect([config.os, config.architecture]).toEqual(['linux', 'amd64']);
  });

  it('holds only the binary, /etc/passwd and /etc/group', () => {
    const files = imageFiles(s, first.outputs['image-ref']!);
    expect(files.map((f) => f.path).sort()).toEqual(['etc/group', 'etc/passwd', 'usr/local/bin/hello']);
    const binary = files.find((f) => f.path === 'usr/local/bin/hello')!;
    expect(binary.size).toBe(Number(first.outputs['binary-size']));
    expect(binary.mode).toBe('-rwxr-xr-x');
  });

  it('reports a size equal to the config plus layers that crane reads', () => {
    const manifest = craneJson<Manifest>(s, 'manifest', first.outputs['image-ref']!);
    const expected = manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
    expect(Number(first.outputs.size)).toBe(expected);
  });

  it('a rebuild with no source change comes from the registry cache and gives the same digest', async () => {
    pruneBuildkit(s);
    const second = await runStep('main', { workspace, inputs: inputs(), env: s.env });
    expect(second.exitCode).toBe(0);
    expect(second.outputs.digest).toBe(first.outputs.digest);
    expect(second.stdout).toContain(`importing cache manifest from ${image}:buildcache`);
    const cached = second.stdout.split('\n').filter((line) => /^#\d+ CACHED$/.test(line.trim())).length;
    expect(cached).toBeGreaterThanOrEqual(2);
    expect(second.summary).toMatch(/[1-9]\d* build steps from cache/);
  }, 300_000);

  it('the post step after a run with the current builder removes the work folder and nothing else', async () => {
    const runnerTemp = path.join(first.files.dir, 'temp');
    const workFolders = async () => (await fs.readdir(runnerTemp)).filter((name) => name.startsWith('go-slim-image-'));
    expect(await workFolders()).toEqual([path.basename(first.state['work-dir']!)]);
    const post = await runStep('post', { workspace, previous: first, env: s.env });
    expect(post.exitCode).toBe(0);
    expect(errorAnnotations(post)).toEqual([]);
    expect(post.stdout).not.toContain('Removed the builder');
    expect(post.stdout).toContain(`Removed the work folder ${first.state['work-dir']}`);
    expect(await workFolders()).toEqual([]);
  });

  it('builds from a clean copy of the same commit to the same digest', async () => {
    const other = await helloWorkspace();
    const run = await runStep('main', { workspace: other, inputs: inputs(), env: s.env });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toBe(first.outputs.digest);
    expect(readFileSync(path.join(other, 'examples/hello/go.mod'), 'utf8')).toContain('module example.com/hello');
  }, 300_000);
});
