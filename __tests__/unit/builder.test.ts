import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  builderBuildkitVersion,
  checkFeatures,
  createBuilderArgs,
  decideBuilder,
  parseBuildxInspect,
  versionAtLeast,
  type BuilderDecision,
  type FeatureUse,
  type Versions,
} from '../../src/image/builder.js';

const fixture = (name: string) => parseBuildxInspect(readFileSync(path.join(import.meta.dirname, '../fixtures/buildx-inspect', name), 'utf8'));

describe('parseBuildxInspect', () => {
  it.each([
    ['remote.txt', { name: 'go-slim-image-local', driver: 'remote', nodes: [{ name: 'go-slim-image-local0', endpoint: 'unix:///tmp/go-slim-image-stack/buildkitd.sock', status: 'running', buildkitVersion: 'v0.0.0+unknown' }] }],
    ['docker.txt', { name: 'default', driver: 'docker', nodes: [{ name: 'default', endpoint: 'default', status: 'running', buildkitVersion: 'v0.23.2' }] }],
    ['docker-container.txt', { name: 'builder-3f6c2a9e-8d1b-4c57-9a0e-2b7d4e6f1a35', driver: 'docker-container', nodes: [{ endpoint: 'unix:///var/run/docker.sock', status: 'running', buildkitVersion: 'v0.25.1' }] }],
    ['docker-container-inactive.txt', { driver: 'docker-container', nodes: [{ status: 'inactive', platforms: [] }] }],
    ['default-no-daemon.txt', { name: 'default', driver: '', error: expect.stringContaining('failed to connect to the docker API'), nodes: [] }],
  ])('%s', (file, expected) => {
    expect(fixture(file)).toMatchObject(expected);
  });

  it('reads the platforms of a node', () => {
    expect(fixture('docker-container.txt').nodes[0]!.platforms).toEqual(['linux/amd64', 'linux/amd64/v2', 'linux/amd64/v3', 'linux/amd64/v4', 'linux/386']);
  });

  it('takes the lowest BuildKit version of several nodes', () => {
    const info = fixture('docker-container.txt');
    info.nodes.push({ ...info.nodes[0]!, name: 'n1', buildkitVersion: 'v0.12.5' }, { ...info.nodes[0]!, name: 'n2', buildkitVersion: 'v0.9.0' });
    expect(builderBuildkitVersion(info)).toBe('v0.9.0');
    expect(builderBuildkitVersion(fixture('remote.txt'))).toBe('v0.0.0+unknown');
  });
});

describe('decideBuilder', () => {
  it.each<[string, { builder: string; buildkitEndpoint: string }, string | undefined, Partial<BuilderDecision> & { kind: BuilderDecision['kind'] }]>([
    ['endpoint given', { builder: '', buildkitEndpoint: 'tcp://buildkit:1234' }, undefined, { kind: 'create-remote', endpoint: 'tcp://buildkit:1234' }],
    ['current builder uses the docker driver', { builder: '', buildkitEndpoint: '' }, 'docker.txt', { kind: 'create-container', note: expect.stringMatching(/docker driver.*cannot export the OCI layout/) as unknown as string }],
    ['current builder is docker-container', { builder: '', buildkitEndpoint: '' }, 'docker-container.txt', { kind: 'use', name: '' }],
    ['current builder not yet booted', { builder: '', buildkitEndpoint: '' }, 'docker-container-inactive.txt', { kind: 'use', name: '' }],
    ['named remote builder', { builder: 'go-slim-image-local', buildkitEndpoint: '' }, 'remote.txt', { kind: 'use', name: 'go-slim-image-local' }],
    ['named builder with the docker driver: used, with a warning', { builder: 'default', buildkitEndpoint: '' }, 'docker.txt', { kind: 'use', name: 'default', warning: expect.stringContaining('docker driver') as unknown as string }],
    ['current builder unreachable', { builder: '', buildkitEndpoint: '' }, 'default-no-daemon.txt', { kind: 'error', message: expect.stringMatching(/Cannot use the current buildx builder "default": failed to connect.*buildkit-endpoint/) as unknown as string }],
  ])('%s', (_name, request, file, decision) => {
    expect(decideBuilder(request, file ? fixture(file) : undefined)).toEqual(decision);
  });

  it('reports a named builder that does not exist', () => {
    expect(decideBuilder({ builder: 'nosuch', buildkitEndpoint: '' }, { name: '', driver: '', error: 'no builder "nosuch" found', nodes: [] })).toEqual({
      kind: 'error',
      message: 'Cannot use builder "nosuch": no builder "nosuch" found; check the name with `docker buildx ls`.',
    });
  });
});

describe('createBuilderArgs', () => {
  it.each<[string, Parameters<typeof createBuilderArgs>[0], string[]]>([
    ['remote', { kind: 'create-remote', endpoint: 'tcp://10.0.0.5:1234' }, ['buildx', 'create', '--name', 'gsi-1', '--driver', 'remote', 'tcp://10.0.0.5:1234']],
    ['docker-container', { kind: 'create-container' }, ['buildx', 'create', '--name', 'gsi-1', '--driver', 'docker-container', '--driver-opt', 'network=host']],
  ])('%s', (_name, decision, args) => {
    expect(createBuilderArgs(decision, 'gsi-1')).toEqual(args);
  });
});

describe('versions and features', () => {
  it.each<[string | undefined, string, boolean]>([
    ['0.38.2', '0.8.0', true],
    ['v0.12.5', '0.13.0', false],
    ['0.13.0', '0.13.0', true],
    ['0.9.1', '0.10.0', false],
    ['1.0.0', '0.21.0', true],
    ['0.0.0+unknown', '0.21.0', true],
    ['unknown', '0.21.0', true],
    [undefined, '0.13.0', true],
  ])('%s >= %s: %s', (installed, needed, ok) => {
    expect(versionAtLeast(installed, needed)).toBe(ok);
  });

  it.each<[string, Versions, FeatureUse[], { unsupported: string[]; warnings: RegExp[]; errors: RegExp[] }]>([
    ['current versions: everything', { buildx: '0.38.2', buildkit: 'v0.34.2' }, [{ feature: 'buildContext' }, { feature: 'rewriteTimestamp' }, { feature: 'ghaCache', input: 'cache-backend' }], { unsupported: [], warnings: [], errors: [] }],
    ['dev builds count as new', { buildx: '0.0.0', buildkit: 'v0.0.0+unknown' }, [{ feature: 'ghaCache', input: 'cache-backend' }], { unsupported: [], warnings: [], errors: [] }],
    [
      'old BuildKit: default feature dropped with a warning',
      { buildx: '0.38.2', buildkit: 'v0.12.5' },
      [{ feature: 'rewriteTimestamp' }, { feature: 'cacheImageManifest' }],
      { unsupported: ['rewriteTimestamp'], warnings: [/^rewrite-timestamp=true .* needs BuildKit 0\.13\.0 \(builder runs v0\.12\.5\) or later; building without it\.$/], errors: [] },
    ],
    [
      'old buildx: explicit input is an error naming the version',
      { buildx: '0.7.1', buildkit: 'v0.34.2' },
      [{ feature: 'buildContext', input: 'build-contexts' }],
      { unsupported: ['buildContext'], warnings: [], errors: [/^Input 'build-contexts' asks for --build-context .* needs buildx 0\.8\.0 \(installed: 0\.7\.1\) or later/] },
    ],
    [
      'gha cache needs both',
      { buildx: '0.20.1', buildkit: 'v0.19.0' },
      [{ feature: 'ghaCache', input: 'cache-backend' }],
      { unsupported: ['ghaCache'], warnings: [], errors: [/needs buildx 0\.21\.0 \(installed: 0\.20\.1\) and BuildKit 0\.20\.0 \(builder runs v0\.19\.0\)/] },
    ],
  ])('%s', (_name, versions, uses, expected) => {
    const result = checkFeatures(versions, uses);
    expect(result.unsupported).toEqual(expected.unsupported);
    expect(result.warnings).toHaveLength(expected.warnings.length);
    expected.warnings.forEach((pattern, i) => expect(result.warnings[i]).toMatch(pattern));
    expect(result.errors).toHaveLength(expected.errors.length);
    expected.errors.forEach((pattern, i) => expect(result.errors[i]).toMatch(pattern));
  });
});
