import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorAnnotations, runStep } from '../helpers/action.js';
import { bareBin } from '../helpers/bare-bin.js';
import { danglingTags, FaultProxy, startRegistry, type ExtraRegistry } from '../helpers/registry-faults.js';
import { helloWorkspace, stack, type Stack } from '../helpers/stack.js';

/**
 * A registry that stops answering and one that rate-limits, through the bundled action (direct
 * engine), behind the fault-injecting proxy: no request waits forever, and Retry-After is honoured.
 */

describe('a registry that stalls or rate-limits, through the action', () => {
  let s: Stack;
  let registry: ExtraRegistry;
  let proxy: FaultProxy;
  let workspace: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const inputs = (image: string) => ({ image, 'working-directory': 'examples/hello', engine: 'direct', cache: 'false', 'cache-backend': 'none', comment: 'never', 'ca-certificates': 'false' });

  beforeAll(async () => {
    s = stack();
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.address).start();
    workspace = await helloWorkspace();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-network-faults-'));
    env = { PATH: await bareBin(), BUILDKIT_HOST: undefined, DOCKER_HOST: undefined };
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await registry?.remove();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    if (workspace) await fs.rm(workspace, { recursive: true, force: true });
  });

  it('an upload the registry never answers: retried once, then the action fails naming the request and the registry, and nothing is tagged', async () => {
    proxy.decide = ({ method, path: url }) => (method === 'PUT' && url.includes('/blobs/uploads/') ? 'stall' : 'forward');
    const image = `${proxy.address}/faults/stall`;
    const started = Date.now();
    // 5 s of silence instead of the default 20 s keeps the test short; the default is covered by the unit tests' arithmetic.
    const run = await runStep('main', { workspace, inputs: inputs(image), env: { ...env, GO_SLIM_IMAGE_NETWORK_IDLE_TIMEOUT: '5' } });
    const elapsed = Date.now() - started;
    proxy.decide = () => 'forward';
    console.log(`stalled upload: the action failed after ${(elapsed / 1000).toFixed(1)} s (build included)`);

    expect(run.exitCode).toBe(1);
    expect(elapsed).toBeLessThan(90_000);
    const errors = errorAnnotations(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`failed while uploading blobs .*no tag was written: upload sha256:[a-f0-9]{64} to ${proxy.address}/faults/stall failed: PUT /v2/faults/stall/blobs/uploads/\\S+ on ${proxy.address} stalled: nothing sent or received for 5 s, on both tries`));
    expect(run.stdout).toMatch(/^Retrying upload sha256:[a-f0-9]{64} to \S+: stalled: nothing sent or received for 5 s; try 2 of 4 in \d+\.\d s$/m);
    const stalledUploads = proxy.requests.filter((r) => r.outcome === 'stall');
    expect(stalledUploads.length).toBeGreaterThanOrEqual(2);
    expect(danglingTags(path.join(s.toolsBin, 'crane'), `${registry.address}/faults/stall`).tags).toEqual([]);
  }, 420_000);

  it('a 429 with Retry-After: 2 is waited for (one log line) and the push succeeds', async () => {
    let limited = -1;
    proxy.decide = ({ path: url, index }) => {
      if (limited < 0 && url.includes('/blobs/')) {
        limited = index;
        return { status: 429, headers: { 'retry-after': '2' }, body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' };
      }
      return 'forward';
    };
    const image = `${proxy.address}/faults/rate-limited`;
    const run = await runStep('main', { workspace, inputs: inputs(image), env });
    proxy.decide = () => 'forward';

    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    const limitedRequest = proxy.requests[limited]!;
    expect(run.stdout).toMatch(/^Retrying \S+ \S+: HTTP 429 \(rate limited\); try 2 of 4 in 2\.0 s \(as Retry-After asks\)$/m);
    const retried = proxy.requests.slice(limited + 1).find((r) => r.method === limitedRequest.method && r.path.split('?')[0] === limitedRequest.path.split('?')[0]);
    expect(retried).toBeDefined();
    expect(retried!.at - limitedRequest.at).toBeGreaterThanOrEqual(1_900);
    const { tags, dangling } = danglingTags(path.join(s.toolsBin, 'crane'), `${registry.address}/faults/rate-limited`);
    expect(tags).toContain('main');
    expect(dangling).toEqual([]);
  }, 420_000);
});
