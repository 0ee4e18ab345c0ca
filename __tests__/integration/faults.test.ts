import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { danglingTags, FaultProxy, freePort, startRegistry, type ExtraRegistry } from '../helpers/registry-faults.js';
import { crane, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/**
 * Failing dependencies, injected on the real local stack, through the bundled action: each fault
 * ends in a clear error or a warning, and never in a half-pushed image.
 */

const warnings = (run: ActionRun) => run.stdout.split('\n').filter((line) => line.startsWith('::warning'));
/** Gaps between consecutive request times, ms. */
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe('failing dependencies, through the action', () => {
  let s: Stack;
  let workspace: string;
  // No layer cache (the stopped/faulty registries are not the shared one) and nothing optional:
  // each run is a compile and a small build, so the fault is the only thing under test.
  const inputs = (image: string, extra: Record<string, string> = {}) => ({
    image,
    'working-directory': 'examples/hello',
    builder: s.builder,
    'cache-backend': 'none',
    cache: 'false',
    comment: 'never',
    'ca-certificates': 'false',
    ...extra,
  });

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
  });

  afterAll(async () => {
    await fs.rm(workspace, { recursive: true, force: true });
  });

  describe('the registry stops during the push', () => {
    let registry: ExtraRegistry;
    let proxy: FaultProxy;

    beforeAll(async () => {
      registry = await startRegistry();
      proxy = await new FaultProxy(registry.address).start();
    });

    afterAll(async () => {
      await proxy.stop();
      await registry.remove();
    });

    it('retries with backoff, fails naming the registry, and leaves no tag pointing at missing blobs', async () => {
      let stoppedAt = -1;
      proxy.decide = ({ method, path: url, index }) => {
        if (stoppedAt >= 0) return 'cut';
        // The second blob upload: one blob is in, the rest are not.
        const uploads = proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/')).length;
        if (method === 'PUT' && url.includes('/blobs/uploads/') && uploads === 2) {
          registry.stop();
          stoppedAt = index;
          return 'cut';
        }
        return 'forward';
      };
      const image = `${proxy.address}/faults/push-stop`;
      const run = await runStep('main', { workspace, inputs: inputs(image), env: s.env });

      expect(run.exitCode).toBe(1);
      const errors = errorAnnotations(run);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^Pushing ${proxy.address}/faults/push-stop@sha256:[a-f0-9]{64} failed while uploading blobs \\(1 of \\d+ done\\); no tag was written: `));
      expect(errors[0]).toMatch(/failed after 4 attempts: fetch failed \(.+\)/);
      expect(run.stdout).not.toMatch(/^Pushed /m);
      expect(run.outputs.digest).toBeUndefined();

      // The upload was retried as a whole (POST + PUT), 4 tries in all, with growing waits (0.5 s, 1 s, 2 s).
      const after = proxy.requests.slice(stoppedAt);
      expect(after).toHaveLength(4);
      const waits = gaps(after.map((r) => r.at));
      console.log(`registry stopped during push: ${after.length} tries, waits ${waits.join(', ')} ms; error: ${errors[0]}`);
      expect(waits[0]).toBeGreaterThanOrEqual(400);
      expect(waits[1]!).toBeGreaterThan(waits[0]! * 1.5);
      expect(waits[2]!).toBeGreaterThan(waits[1]! * 1.5);

      // Back up: the repository has no tag at all, and so none pointing at missing blobs.
      await registry.start();
      const craneBin = path.join(s.toolsBin, 'crane');
      expect(danglingTags(craneBin, `${registry.address}/faults/push-stop`)).toEqual({ tags: [], dangling: [] });
    }, 180_000);

    it('stopping just before the first tag leaves the image by digest, complete, and no tag', async () => {
      let stoppedAt = -1;
      proxy.requests.length = 0;
      proxy.decide = ({ method, path: url, index }) => {
        if (stoppedAt >= 0) return 'cut';
        if (method === 'PUT' && /\/manifests\/(?!sha256:)/.test(url)) {
          registry.stop();
          stoppedAt = index;
          return 'cut';
        }
        return 'forward';
      };
      const image = `${proxy.address}/faults/tag-stop`;
      const run = await runStep('main', { workspace, inputs: inputs(image, { tags: 'v1,latest' }), env: s.env });

      expect(run.exitCode).toBe(1);
      const errors = errorAnnotations(run);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/Tagging \S+@sha256:[a-f0-9]{64} as v1 failed: .*failed after 4 attempts/);

      await registry.start();
      const craneBin = path.join(s.toolsBin, 'crane');
      expect(danglingTags(craneBin, `${registry.address}/faults/tag-stop`)).toEqual({ tags: [], dangling: [] });
      // The manifest by digest is complete: every blob it names is there.
      const digest = /@(sha256:[a-f0-9]{64})/.exec(errors[0]!)![1]!;
      const validate = spawnSync(craneBin, ['validate', '--remote', `${registry.address}/faults/tag-stop@${digest}`, '--insecure'], { encoding: 'utf8' });
      expect(validate.stderr).toBe('');
      expect(validate.status).toBe(0);
    }, 180_000);
  });

  it('a registry answering 500 on manifest reads: the baseline read is retried, a warning, and the sizes come from the local layout', async () => {
    const proxy = await new FaultProxy(s.registry).start();
    try {
      proxy.decide = ({ method, path: url }) => (method === 'GET' && url.includes('/manifests/') ? { status: 500 } : 'forward');
      const repository = uniqueRepository(s, 'reads-500').slice(s.registry.length + 1);
      const run = await runStep('main', { workspace, inputs: inputs(`${proxy.address}/${repository}`), env: s.env });

      expect(errorAnnotations(run)).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(run.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(run.outputs['image-ref']).toBe(`${proxy.address}/${repository}@${run.outputs.digest}`);
      expect(run.outputs.tags).toContain(`${proxy.address}/${repository}:main`);
      // The pushed image is sized from the bytes the run has, so the outputs are all there.
      for (const output of ['size', 'size-uncompressed', 'sizes', 'size-report']) expect(run.outputs[output]).toBeDefined();
      expect(run.outputs['size-delta']).toBeUndefined();
      const baselineWarning = warnings(run).filter((w) => w.includes('could not be read'));
      expect(baselineWarning).toHaveLength(1);
      expect(baselineWarning[0]).toMatch(/The baseline .*:main could not be read .*GET http:\/\/.*\/manifests\/main answered HTTP 500/);
      expect(run.summary).toContain(run.outputs['image-ref']);

      // The baseline (:main, before the push) was tried 4 times; the pushed image is never read back.
      const reads = proxy.requests.filter((r) => r.method === 'GET' && r.path.includes('/manifests/'));
      expect(reads.filter((r) => r.path.endsWith(`/manifests/${run.outputs.digest}`))).toHaveLength(0);
      expect(reads.filter((r) => r.path.endsWith('/manifests/main'))).toHaveLength(4);
      // And the image is really there, tagged, read without the proxy.
      expect(crane(s, 'digest', `${s.registry}/${repository}:main`).trim()).toBe(run.outputs.digest);
      console.log(`500 on manifest reads: ${warnings(run).length} warnings: ${warnings(run).join(' | ')}`);
    } finally {
      await proxy.stop();
    }
  }, 180_000);

  it('a BuildKit endpoint that is down or unreachable fails naming it, before Go is set up, and leaves no builder', async () => {
    const closedPort = await freePort();
    const endpoints = ['unix:///nonexistent.sock', `tcp://127.0.0.1:${closedPort}`];
    // Both at once: buildx waits 20 s for a remote endpoint before it gives up.
    const runs = await Promise.all(
      endpoints.map((endpoint) => runStep('main', { workspace, inputs: inputs(`${s.registry}/faults/endpoint`, { builder: '', 'buildkit-endpoint': endpoint }), env: s.env })),
    );
    for (const [i, run] of runs.entries()) {
      expect(run.exitCode).toBe(1);
      const errors = errorAnnotations(run);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.startsWith(`Cannot reach BuildKit endpoint ${endpoints[i]}: `)).toBe(true);
      for (const line of ['Setting up Go', 'Compiling', 'Building the image']) expect(run.stdout).not.toContain(line);
      // The builder it created for the endpoint is removed again; the post step has nothing to do.
      expect(run.state['builder-to-remove']).toBeUndefined();
      console.log(`unreachable ${endpoints[i]}: ${errors[0]!.split('\n')[0]} … ${errors[0]!.split('\n').at(-1)}`);
    }
    const builders = execFileSync('docker', ['buildx', 'ls'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(builders).not.toContain('nonexistent.sock');
    expect(builders).not.toContain(`127.0.0.1:${closedPort}`);
  }, 120_000);

  describe('the runner temp disk is full', () => {
    let temp: string;

    beforeAll(async () => {
      temp = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-full-'));
      // Room for the build context's small files but not for the binary.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', temp]);
    });

    afterAll(async () => {
      spawnSync('umount', [temp]);
      await fs.rm(temp, { recursive: true, force: true });
    });

    it('fails with the error of the write that did not fit, and pushes nothing', async () => {
      const image = uniqueRepository(s, 'disk-full');
      const run = await runStep('main', { workspace, inputs: inputs(image), env: { ...s.env, RUNNER_TEMP: temp } });

      expect(run.exitCode).toBe(1);
      const errors = errorAnnotations(run);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/no space left on device/);
      expect(errors[0]).toContain(temp);
      // The stage, the file and the room left, not only Node's "ENOSPC: no space left on device, write".
      expect(errors[0]).toMatch(new RegExp(`^No space left on device (while|after) [^\\n]*(compiling|context)[^\\n]*\\. Now [\\d.]+ (B|KiB|MiB) free of 1\\.00 MiB on the file system of ${temp}`, 'i'));
      expect(run.stdout).not.toContain('Building the image');
      const listed = spawnSync(path.join(s.toolsBin, 'crane'), ['ls', image, '--insecure'], { encoding: 'utf8' });
      expect(listed.stdout).toBe('');
      expect(listed.stderr).toMatch(/NAME_UNKNOWN|repository name not known/);
      console.log(`runner temp full: ${errors[0]}`);

      // The post step removes what main left in RUNNER_TEMP, after a failure too.
      expect((await fs.readdir(temp)).filter((name) => name.startsWith('go-slim-image-'))).toHaveLength(1);
      const post = await runStep('post', { workspace, previous: run, env: { ...s.env, RUNNER_TEMP: temp } });
      expect(post.exitCode).toBe(0);
      expect((await fs.readdir(temp)).filter((name) => name.startsWith('go-slim-image-'))).toEqual([]);
    }, 180_000);
  });

  describe('the post step after main failed early', () => {
    it('has nothing to do and does not fail, with the state main left', async () => {
      const main = await runStep('main', { workspace, inputs: inputs(`${s.registry}/faults/post`, { platforms: 'linux/amd65' }), env: s.env });
      expect(main.exitCode).toBe(1);
      const post = await runStep('post', { workspace, previous: main, env: s.env });
      expect(post.exitCode).toBe(0);
      expect(post.stdout.split('\n').filter((line) => line.startsWith('::error') || line.startsWith('::warning'))).toEqual([]);
      expect(post.stderr).toBe('');
    });

    it('has nothing to do and does not fail, with no state at all', async () => {
      const post = await runStep('post', { workspace, inputs: { image: `${s.registry}/faults/post` }, env: s.env });
      expect(post.exitCode).toBe(0);
      expect(post.stdout.trim()).toBe('');
      expect(post.stderr).toBe('');
    });
  });
});
