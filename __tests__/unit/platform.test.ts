import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { closestMatches, formatPlatform, goEnv, knownLinuxPlatforms, parsePlatform, parsePlatformList, platformSlug, unsupportedPlatforms } from '../../src/platform.js';

describe('platforms', () => {
  it.each([
    ['linux/amd64', { os: 'linux', arch: 'amd64' }, { GOOS: 'linux', GOARCH: 'amd64' }, 'linux-amd64'],
    ['linux/amd64/v3', { os: 'linux', arch: 'amd64', variant: 'v3' }, { GOOS: 'linux', GOARCH: 'amd64', GOAMD64: 'v3' }, 'linux-amd64v3'],
    ['linux/amd64/v1', { os: 'linux', arch: 'amd64' }, { GOOS: 'linux', GOARCH: 'amd64' }, 'linux-amd64'],
    ['linux/arm64/v8', { os: 'linux', arch: 'arm64' }, { GOOS: 'linux', GOARCH: 'arm64' }, 'linux-arm64'],
    ['linux/arm', { os: 'linux', arch: 'arm', variant: 'v7' }, { GOOS: 'linux', GOARCH: 'arm', GOARM: '7' }, 'linux-armv7'],
    ['Linux/ARM/v6', { os: 'linux', arch: 'arm', variant: 'v6' }, { GOOS: 'linux', GOARCH: 'arm', GOARM: '6' }, 'linux-armv6'],
    ['linux/riscv64', { os: 'linux', arch: 'riscv64' }, { GOOS: 'linux', GOARCH: 'riscv64' }, 'linux-riscv64'],
  ])('%s parses, maps to Go env and a context folder', (text, platform, env, slug) => {
    const parsed = parsePlatform(text);
    expect(parsed).toEqual(platform);
    expect(goEnv(parsed)).toEqual(env);
    expect(platformSlug(parsed)).toBe(slug);
  });

  it.each(['linux', 'linux/', '/amd64', 'linux/amd64/v3/x', 'linux/386/v2', 'linux/arm/v9', 'linux amd64'])('rejects %s', (text) => {
    expect(() => parsePlatform(text)).toThrow();
  });

  it('splits lists on commas and newlines and drops duplicates', () => {
    expect(parsePlatformList('linux/amd64,\n linux/arm64, linux/amd64/v1').map(formatPlatform)).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('names the closest supported platforms for an unknown one', () => {
    const dist = ['linux/amd64', 'linux/arm64', 'linux/386', 'darwin/amd64', 'windows/amd64'];
    expect(unsupportedPlatforms([parsePlatform('linux/amd65'), parsePlatform('linux/arm64')], dist)).toEqual([
      { platform: 'linux/amd65', closest: ['linux/amd64', 'linux/arm64', 'linux/386'] },
    ]);
    expect(closestMatches('linux/am64', dist, 1)).toEqual(['linux/amd64']);
  });
});

describe('knownLinuxPlatforms (the ports table a run uses instead of go tool dist list)', () => {
  it('equals the Linux ports of go tool dist list of the Go on this machine', () => {
    const listed = execFileSync('go', ['tool', 'dist', 'list'], { encoding: 'utf8' }).split('\n').filter((p) => p.startsWith('linux/'));
    const version = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim().replace(/^go/, '');
    expect([...(knownLinuxPlatforms(version) ?? [])].sort()).toEqual(listed.sort());
  });

  it.each([
    ['1.26.8', true],
    ['1.27rc1', true],
    ['1.19', true],
    ['1.18.10', false],
    ['2.0.0', true],
    ['', false],
  ])('Go %s -> table: %s', (version, known) => {
    expect(knownLinuxPlatforms(version) !== undefined).toBe(known);
  });
});
