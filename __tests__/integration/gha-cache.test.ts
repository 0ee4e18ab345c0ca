import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { errorAnnotations, runStep } from '../helpers/action.js';
import { startCacheServer, type CacheServer } from '../helpers/cache-server.js';
import { helloWorkspace, pruneBuildkit, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/** A runtime token shaped as the runner issues it: BuildKit reads the cache scopes and times from its claims. */
function runtimeToken(): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ ac: JSON.stringify([{ Scope: 'refs/heads/main', Permission: 3 }]), nbf: now - 60, iat: now - 60, exp: now + 3600 })}.c2lnbmF0dXJl`;
}

describe('cache-backend: gha against the Actions cache service double', () => {
  let s: Stack;
  let server: CacheServer;

  beforeAll(async () => {
    s = stack();
    server = await startCacheServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('BuildKit exports the layer cache to the service and a fresh BuildKit imports it', async () => {
    const workspace = await helloWorkspace();
    const inputs = { image: uniqueRepository(s, 'hello-gha'), 'working-directory': 'examples/hello', builder: s.builder, 'cache-backend': 'gha', cache: 'false' };
    const env = { ...s.env, ...server.env, ACTIONS_RUNTIME_TOKEN: runtimeToken() };
    const first = await runStep('main', { workspace, inputs, env });
    expect(errorAnnotations(first)).toEqual([]);
    // The export went under the scope the action chose (the registry cache tag's name), with its layer blobs.
    const saved = server.entries().filter((e) => e.finalized);
    expect(saved.filter((e) => e.key.startsWith('index-buildcache-'))).toHaveLength(1);
    expect(saved.filter((e) => e.key.startsWith('buildkit-blob-')).length).toBeGreaterThan(0);
    pruneBuildkit(s);
    const second = await runStep('main', { workspace, inputs, env });
    expect(second.exitCode).toBe(0);
    expect(second.stdout.split('\n').filter((line) => /^#\d+ CACHED$/.test(line.trim())).length).toBeGreaterThanOrEqual(1);
    expect(second.outputs.digest).toBe(first.outputs.digest);
  }, 300_000);
});
