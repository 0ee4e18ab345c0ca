import { describe, expect, it } from '@jest/globals';
import type { RunContext } from '../../src/github/event.js';
import type { CacheWrite } from '../../src/config/cache.js';
import { cacheRefs, cacheWriteDecision, registryCachePlan } from '../../src/image/cache.js';
import { parsePlatformList } from '../../src/platform.js';
import { parseImageName } from '../../src/reference.js';
import { contexts } from '../fixtures/run-context.js';

const image = parseImageName('ghcr.io/acme/hello');
const both = parsePlatformList('linux/amd64,linux/arm64');
const arm64 = parsePlatformList('linux/arm64');
const armv7 = parsePlatformList('linux/arm/v7');

describe('cacheRefs', () => {
  it.each<[string, () => RunContext, { platforms: typeof both; matrixLeg: boolean; cacheRef?: string }, string, string]>([
    ['default branch, all platforms', contexts.defaultBranch, { platforms: both, matrixLeg: false }, 'ghcr.io/acme/hello:buildcache', 'ghcr.io/acme/hello:buildcache'],
    ['default branch, single-platform build (not a leg)', contexts.defaultBranch, { platforms: arm64, matrixLeg: false }, 'ghcr.io/acme/hello:buildcache', 'ghcr.io/acme/hello:buildcache'],
    ['default branch, matrix leg', contexts.defaultBranch, { platforms: arm64, matrixLeg: true }, 'ghcr.io/acme/hello:buildcache-linux-arm64', 'ghcr.io/acme/hello:buildcache-linux-arm64'],
    ['matrix leg with a variant', contexts.defaultBranch, { platforms: armv7, matrixLeg: true }, 'ghcr.io/acme/hello:buildcache-linux-arm-v7', 'ghcr.io/acme/hello:buildcache-linux-arm-v7'],
    ['tag push shares the main line cache', () => contexts.tag('v1.2.3'), { platforms: both, matrixLeg: false }, 'ghcr.io/acme/hello:buildcache', 'ghcr.io/acme/hello:buildcache'],
    ['pull request', contexts.pullRequest, { platforms: both, matrixLeg: false }, 'ghcr.io/acme/hello:buildcache-pr-42', 'ghcr.io/acme/hello:buildcache'],
    ['pull request, matrix leg', contexts.pullRequest, { platforms: arm64, matrixLeg: true }, 'ghcr.io/acme/hello:buildcache-pr-42-linux-arm64', 'ghcr.io/acme/hello:buildcache-linux-arm64'],
    ['other branch', () => contexts.otherBranch(), { platforms: both, matrixLeg: false }, 'ghcr.io/acme/hello:buildcache-feature-login-form', 'ghcr.io/acme/hello:buildcache'],
    ['cache-ref override', contexts.pullRequest, { platforms: both, matrixLeg: false, cacheRef: 'registry.example.com/cache/hello:layers' }, 'registry.example.com/cache/hello:layers-pr-42', 'registry.example.com/cache/hello:layers'],
  ])('%s', (_name, context, options, ref, mainLineRef) => {
    const cacheRef = options.cacheRef ? parseImageName(options.cacheRef) : undefined;
    expect(cacheRefs(context(), { image, platforms: options.platforms, matrixLeg: options.matrixLeg, ...(cacheRef ? { cacheRef } : {}) })).toEqual({ ref, mainLineRef });
  });

  it('keeps a very long branch name a valid tag', () => {
    const { ref } = cacheRefs(contexts.otherBranch(`feature/${'x'.repeat(150)}`), { image, platforms: arm64, matrixLeg: true });
    expect(ref.split(':').pop()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
  });
});

describe('cacheWriteDecision', () => {
  it.each<[CacheWrite, string, () => RunContext, boolean, boolean]>([
    ['auto', 'push to the default branch', contexts.defaultBranch, true, true],
    ['auto', 'tag push', () => contexts.tag('v1.2.3'), true, true],
    ['auto', 'push to another branch', () => contexts.otherBranch(), true, false],
    ['auto', 'pull request', contexts.pullRequest, true, false],
    ['auto', 'fork pull request (not pushed)', contexts.forkPullRequest, false, false],
    ['always', 'pull request', contexts.pullRequest, true, true],
    ['always', 'fork pull request (not pushed)', contexts.forkPullRequest, false, false],
    ['never', 'push to the default branch', contexts.defaultBranch, true, false],
  ])('%s, %s', (mode, _name, context, push, write) => {
    expect(cacheWriteDecision(mode, context(), push).write).toBe(write);
  });

  it('warns when always cannot write', () => {
    expect(cacheWriteDecision('always', contexts.forkPullRequest(), false).warning).toMatch(/not pushed/);
    expect(cacheWriteDecision('auto', contexts.forkPullRequest(), false).warning).toBeUndefined();
  });
});

describe('registryCachePlan', () => {
  it('reads its own and the main line cache on a pull request, writes nothing with auto', () => {
    expect(registryCachePlan(contexts.pullRequest(), { image, platforms: arm64, matrixLeg: true, mode: 'auto', push: true })).toMatchObject({
      cacheFrom: ['type=registry,ref=ghcr.io/acme/hello:buildcache-pr-42-linux-arm64', 'type=registry,ref=ghcr.io/acme/hello:buildcache-linux-arm64'],
      cacheTo: '',
    });
  });

  it('reads and writes one ref on the default branch', () => {
    expect(registryCachePlan(contexts.defaultBranch(), { image, platforms: both, matrixLeg: false, mode: 'auto', push: true })).toMatchObject({
      cacheFrom: ['type=registry,ref=ghcr.io/acme/hello:buildcache'],
      cacheTo: 'type=registry,ref=ghcr.io/acme/hello:buildcache,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true,compression=zstd,force-compression=true',
    });
  });
});
