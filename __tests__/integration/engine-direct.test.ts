import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeIndex, LEGS_ANNOTATION, REVISION_ANNOTATION } from '../../src/image/merge.js';
import { RegistryClient } from '../../src/image/registry.js';
import { parseImageName, repositoryRef } from '../../src/reference.js';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { bareBin } from '../helpers/bare-bin.js';
import { craneJson, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/*
 * The direct engine against the real thing: the same commit and inputs built once with buildx on
 * the local BuildKit and once with no docker CLI, buildx plugin or BuildKit address at all (PATH
 * holds node, go, git and coreutils only, engine auto). Both must give the same index digest.
 */

const PLATFORMS = 'linux/amd64,linux/arm64,linux/arm/v7';

describe('engine direct gives the digest engine buildx gives', () => {
  let s: Stack;
  let workspace: string;
  let bin: string;
  let goCaches: { GOCACHE: string; GOMODCACHE: string };

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
    bin = await bareBin();
    const caches = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-direct-go-'));
    goCaches = { GOCACHE: path.join(caches, 'build'), GOMODCACHE: path.join(caches, 'mod') };
  });

  const base = (repository: string): Record<string, string> => ({
    image: repository,
    'working-directory': 'examples/hello',
    platforms: PLATFORMS,
    cache: 'false',
    'cache-backend': 'none',
    tags: `${repository}:t`,
  });

  const buildx = (inputs: Record<string, string>) => runStep('main', { workspace, inputs: { ...inputs, builder: s.builder, engine: 'buildx' }, env: { ...s.env, ...goCaches } });
  // No docker, no buildx plugin, no BuildKit address: the runner PATH is the bare bin folder.
  const direct = (inputs: Record<string, string>) =>
    runStep('main', { workspace, inputs: { ...inputs, engine: 'auto' }, env: { PATH: bin, BUILDKIT_HOST: undefined, DOCKER_HOST: undefined, ...goCaches } });

  function expectOk(run: ActionRun): void {
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
  }

  const platformsOf = (ref: string) =>
    craneJson<{ manifests: { platform: { os: string; architecture: string; variant?: string } }[] }>(s, 'manifest', ref).manifests.map((m) =>
      [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'),
    );

  it.each([
    ['CA bundle and zoneinfo', { 'ca-certificates': 'true', 'timezone-data': 'true' }],
    ['neither CA bundle nor zoneinfo, a port', { 'ca-certificates': 'false', 'timezone-data': 'false', expose: '8080, 53/udp' }],
    [
      'labels and annotations',
      {
        'ca-certificates': 'false',
        'timezone-data': 'true',
        // $ and a backslash: BuildKit must keep them literal in a LABEL, as the direct engine writes them.
        labels: 'org.opencontainers.image.vendor=Acme & Co <ops> $5 ${HOME} a\\b\norg.opencontainers.image.title=overridden',
        annotations: [
          'org.opencontainers.image.description=plain, for the manifests',
          'index:org.opencontainers.image.description=the index',
          'manifest-descriptor:com.example.leg=descriptor',
          'manifest[linux/arm64]:com.example.only=arm64',
          'manifest-descriptor[linux/arm]:com.example.arm=v7',
        ].join('\n'),
      },
    ],
  ])('%s: same index digest, and crane sees the three platforms', async (_name, extra) => {
    const viaBuildx = await buildx({ ...base(uniqueRepository(s, 'hello-buildx')), ...extra });
    expectOk(viaBuildx);
    const viaDirect = await direct({ ...base(uniqueRepository(s, 'hello-direct')), ...extra });
    expectOk(viaDirect);
    expect(viaDirect.stdout).toContain('Engine: direct (auto: the inputs need no BuildKit, no builder or buildkit-endpoint is given, and no buildx builder answers here)');
    expect(viaBuildx.stdout).toContain('Engine: buildx (engine: buildx)');

    expect(viaDirect.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(viaDirect.outputs.digest).toBe(viaBuildx.outputs.digest);
    expect(platformsOf(viaDirect.outputs['image-ref']!)).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    expect(platformsOf(viaBuildx.outputs['image-ref']!)).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
    // The size report reads what was pushed: the same for both engines.
    expect(viaDirect.outputs.sizes).toBe(viaBuildx.outputs.sizes);

    // mode: merge with the direct engine composes through the registry API the index imagetools makes.
    const ref = parseImageName(viaDirect.outputs['image-ref']!);
    const repository = { registry: ref.registry, repository: ref.repository };
    const children = craneJson<{ manifests: { digest: string; mediaType: string }[] }>(s, 'manifest', viaDirect.outputs['image-ref']!).manifests;
    const legs = children.map((m) => ({ platform: { os: 'linux', arch: 'unused' }, tag: '', digest: m.digest, mediaType: m.mediaType }));
    const annotations = { [LEGS_ANNOTATION]: 'abc1234-1', [REVISION_ANNOTATION]: 'abc1234' };
    const composed = await composeIndex(new RegistryClient(), repository, legs, annotations);
    const imagetools = execFileSync(
      'docker',
      ['buildx', 'imagetools', 'create', '--builder', s.builder, '--dry-run', ...Object.entries(annotations).map(([k, v]) => `--annotation=index:${k}=${v}`), ...legs.map((l) => `${repositoryRef(repository)}@${l.digest}`)],
      { encoding: 'utf8', env: { ...process.env, ...s.env } },
    );
    expect(composed.body.toString()).toBe(imagetools.trim());
  }, 900_000);

  it('a run with the direct engine has really pushed its blobs: crane reads the config and the label', async () => {
    const repository = uniqueRepository(s, 'hello-direct-labels');
    const run = await direct({ ...base(repository), platforms: 'linux/arm64', 'ca-certificates': 'false', 'timezone-data': 'false', labels: 'com.example.team=a<b>&c' });
    expectOk(run);
    const config = craneJson<{ architecture: string; config: { User: string; Labels: Record<string, string> } }>(s, 'config', run.outputs['image-ref']!);
    expect(config.architecture).toBe('arm64');
    expect(config.config.User).toBe('65532:65532');
    expect(config.config.Labels['com.example.team']).toBe('a<b>&c');
  }, 600_000);

  it('engine: direct with a Dockerfile without BuildKit fails at once, naming both inputs', async () => {
    const run = await runStep('main', { workspace, inputs: { ...base(uniqueRepository(s, 'hello-direct-bad')), engine: 'direct', dockerfile: 'go.mod' }, env: { PATH: bin, ...goCaches } });
    expect(run.exitCode).not.toBe(0);
    expect(errorAnnotations(run).join('\n')).toMatch(/'engine' has an invalid value "direct".*dockerfile is a Dockerfile/s);
    expect(errorAnnotations(run).join('\n')).toMatch(/Set engine: buildx with a builder or buildkit-endpoint/);
    expect(run.stdout).not.toContain('Compiling');
  }, 120_000);

  it('auto with dockerfile-mode: source picks buildx, which fails at once without docker, saying why it was picked', async () => {
    const run = await runStep('main', { workspace, inputs: { ...base(uniqueRepository(s, 'hello-direct-bad')), engine: 'auto', 'dockerfile-mode': 'source' }, env: { PATH: bin, ...goCaches } });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('Engine: buildx (auto: dockerfile-mode: source compiles inside BuildKit)');
    expect(errorAnnotations(run).join('\n')).toMatch(/docker buildx is not available: install the buildx plugin/);
    expect(run.stdout).not.toContain('Compiling');
  }, 120_000);
});
