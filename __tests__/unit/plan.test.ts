import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config.js';
import type { Versions } from '../../src/image/builder.js';
import { writeOutputs } from '../../src/outputs.js';
import { builderFeatureUses, planBuildx, planFeatures } from '../../src/engine/buildx.js';
import { buildkitAttestations, planBuild, planPublish, type BuildFacts } from '../../src/plan.js';
import { contexts } from '../fixtures/run-context.js';

// A real folder: secret-files must exist, and paths are resolved to real paths.
const workspace = path.join(mkdtempSync(path.join(os.tmpdir(), 'gsi-plan-')), 'space');
mkdirSync(workspace);
writeFileSync(path.join(workspace, '.netrc'), 'machine example.com\n');
const IMAGE = '127.0.0.1:5000/hello';

function configFrom(inputs: Record<string, string>) {
  return parseConfig((name) => ({ image: IMAGE, ...inputs })[name] ?? '', workspace);
}

const NEW_BUILDER: Versions = { buildx: '0.38.2', buildkit: 'v0.34.2' };

/** The run's facts with the buildx engine (which owns the layer bytes when BuildKit's attestations are asked for). */
function facts(config: ReturnType<typeof configFrom>, overrides: Partial<BuildFacts> = {}): BuildFacts {
  return { run: contexts.defaultBranch(), publishedTags: [], engine: { ownsLayerBytes: buildkitAttestations(config) }, ...overrides };
}

/** The buildx engine's own plan for the run: the publish plan's cache refs, the builder's features. */
function buildx(config: ReturnType<typeof configFrom>, overrides: Partial<BuildFacts> = {}, versions = NEW_BUILDER) {
  const features = planFeatures(config, versions);
  const publish = planPublish(config, { ...facts(config, overrides), unsupported: features.unsupported });
  return planBuildx(config, {
    builder: { name: 'gsi', features },
    context: { dir: '/tmp/run/context', dockerfile: '/tmp/run/context/Dockerfile', namedContexts: {} },
    cacheFrom: publish.cacheFrom,
    cacheTo: publish.cacheTo,
    sourceDateEpoch: 1700000000,
    workDir: '/tmp/run',
  });
}

const OUTPUT = 'type=oci,dest=/tmp/run/oci,tar=false,compression=uncompressed,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=946684800';
const CACHE_FROM = ['--cache-from', `type=registry,ref=${IMAGE}:buildcache`];
const CACHE_TO = ['--cache-to', `type=registry,ref=${IMAGE}:buildcache,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true,compression=zstd,force-compression=true`];

const SOURCE = { 'dockerfile-mode': 'source' };
const BOTH_CACHES = [...CACHE_FROM, ...CACHE_TO];

/** The argv for the defaults on the default branch; each case names what an input changes. */
function argv(parts: { platform?: string; output?: string; before?: string[]; after?: string[]; cache?: string[] } = {}): string[] {
  return [
    'buildx', 'build', '--builder', 'gsi', '--progress', 'plain', '--file', '/tmp/run/context/Dockerfile',
    '--platform', parts.platform ?? 'linux/amd64',
    '--output', parts.output ?? OUTPUT, '--provenance=false',
    ...(parts.before ?? []),
    '--build-arg', 'SOURCE_DATE_EPOCH=1700000000',
    ...(parts.after ?? []),
    // No layer cache in prebuilt mode, the default (see layerCacheBackend); the cache cases use source mode.
    ...(parts.cache ?? []),
    '--metadata-file', '/tmp/run/metadata.json', '/tmp/run/context',
  ];
}

describe('planBuildx: from the inputs to the exact buildx argv', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['the defaults', {}, argv()],
    ['platforms', { platforms: 'linux/amd64,linux/arm64,linux/arm/v7' }, argv({ platform: 'linux/amd64,linux/arm64,linux/arm/v7' })],
    ['compression zstd (the action compresses, as for gzip)', { compression: 'zstd' }, argv()],
    ['zstd with a BuildKit SBOM (BuildKit compresses: attestations pin the layers)', { compression: 'zstd', 'compression-level': '7', sbom: 'true', provenance: 'false', attestations: 'buildkit' }, argv({ output: 'type=oci,dest=/tmp/run/oci,tar=false,compression=zstd,compression-level=7,force-compression=true,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=946684800', before: ['--sbom=true'] })],
    ['provenance (gzip in BuildKit: attestations pin the layers)', { provenance: 'mode=max', sbom: 'false', attestations: 'buildkit' }, argv({ output: 'type=oci,dest=/tmp/run/oci,tar=false,compression=gzip,compression-level=9,force-compression=true,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=946684800' }).map((a) => (a === '--provenance=false' ? '--provenance=mode=max' : a))],
    ['sbom', { sbom: 'true', provenance: 'false', attestations: 'buildkit' }, argv({ output: 'type=oci,dest=/tmp/run/oci,tar=false,compression=gzip,compression-level=9,force-compression=true,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=946684800', before: ['--sbom=true'] })],
    ['target (with your own Dockerfile, whose steps the layer cache keeps)', { dockerfile: 'Dockerfile', target: 'runtime' }, argv({ before: ['--target', 'runtime'], cache: BOTH_CACHES })],
    ['source mode: the layer cache keeps the compile', SOURCE, argv({ cache: BOTH_CACHES })],
    ['build-args, sorted', { 'build-args': 'B=2\nA=1,x' }, argv({ after: ['--build-arg', 'A=1,x', '--build-arg', 'B=2'] })],
    ['labels, sorted', { labels: 'z=last\norg.opencontainers.image.vendor=Acme' }, argv({ after: ['--label', 'org.opencontainers.image.vendor=Acme', '--label', 'z=last'] })],
    ['annotations, in order', { annotations: 'manifest-descriptor:a=1\nmanifest:b=2' }, argv({ after: ['--annotation', 'manifest-descriptor:a=1', '--annotation', 'manifest:b=2'] })],
    ['secrets by environment, never by value', { secrets: 'npm=s3cret\ngh=t0ken' }, argv({ after: ['--secret', 'id=npm,env=GSI_BUILD_SECRET_0', '--secret', 'id=gh,env=GSI_BUILD_SECRET_1'] })],
    ['secret-files', { 'secret-files': 'netrc=.netrc' }, argv({ after: ['--secret', `id=netrc,src=${workspace}/.netrc`] })],
    ['cache-backend none', { ...SOURCE, 'cache-backend': 'none' }, argv({ cache: [] })],
    ['cache-write never', { ...SOURCE, 'cache-write': 'never' }, argv({ cache: CACHE_FROM })],
    ['cache-ref', { ...SOURCE, 'cache-ref': '127.0.0.1:5000/cache:main' }, argv({ cache: ['--cache-from', 'type=registry,ref=127.0.0.1:5000/cache:main', '--cache-to', 'type=registry,ref=127.0.0.1:5000/cache:main,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true,compression=zstd,force-compression=true'] })],
    ['cache-backend gha', { ...SOURCE, 'cache-backend': 'gha' }, argv({ cache: ['--cache-from', 'type=gha,scope=buildcache', '--cache-to', 'type=gha,mode=max,scope=buildcache,ignore-error=true'] })],
    ['push false: the cache is only read', { ...SOURCE, push: 'false' }, argv({ cache: CACHE_FROM })],
  ])('%s', (_name, inputs, expected) => {
    const config = configFrom(inputs);
    expect(buildx(config).args).toEqual(expected);
  });

  it('never puts a secret value in the plan', () => {
    const config = configFrom({ secrets: 'npm=s3cret-value' });
    const plan = buildx(config);
    expect(JSON.stringify(plan)).not.toContain('s3cret-value');
    expect(JSON.stringify(planBuild(config, facts(config)))).not.toContain('s3cret-value');
    expect(plan.secretEnv).toEqual(['GSI_BUILD_SECRET_0']);
  });

  it('a pull request reads its own cache and the main line, writes neither', () => {
    const config = configFrom(SOURCE);
    const args = buildx(config, { run: contexts.pullRequest() }).args;
    expect(args).toEqual(argv({ cache: ['--cache-from', `type=registry,ref=${IMAGE}:buildcache-pr-42`, '--cache-from', `type=registry,ref=${IMAGE}:buildcache`] }));
  });

  it('compresses the layers itself and stores the report unless attestations pin BuildKit bytes', () => {
    const plain = configFrom({});
    expect(planBuild(plain, facts(plain))).toMatchObject({ compressLayers: true, storeReport: true, binaryPaths: ['usr/local/bin/space'] });
    const attested = configFrom({ sbom: 'true', attestations: 'buildkit' });
    const referrers = configFrom({ sbom: 'true', provenance: 'true' });
    expect(planBuild(referrers, facts(referrers))).toMatchObject({ compressLayers: true, storeReport: true });
    expect(planBuild(attested, facts(attested))).toMatchObject({ compressLayers: false, storeReport: false });
    const zstd = configFrom({ compression: 'zstd' });
    expect(planBuild(zstd, facts(zstd))).toMatchObject({ compressLayers: true, storeReport: true });
  });
});

describe('planBuildx with an old buildx or BuildKit', () => {
  it.each<[string, { buildx: string; buildkit?: string }, string[], RegExp[]]>([
    [
      'BuildKit 0.12: no rewrite-timestamp',
      { buildx: '0.38.2', buildkit: 'v0.12.5' },
      argv({ output: 'type=oci,dest=/tmp/run/oci,tar=false,compression=uncompressed,oci-mediatypes=true', cache: BOTH_CACHES }),
      [/rewrite-timestamp=true .*needs BuildKit 0\.13\.0.*building without it/],
    ],
    [
      'BuildKit 0.11: no rewrite-timestamp, no cache image manifest',
      { buildx: '0.38.2', buildkit: 'v0.11.6' },
      argv({
        output: 'type=oci,dest=/tmp/run/oci,tar=false,compression=uncompressed,oci-mediatypes=true',
        cache: [...CACHE_FROM, '--cache-to', `type=registry,ref=${IMAGE}:buildcache,mode=max,oci-mediatypes=true,ignore-error=true,compression=zstd,force-compression=true`],
      }),
      [/rewrite-timestamp/, /image-manifest=true/],
    ],
    [
      'BuildKit 0.10: nor ignore-error',
      { buildx: '0.10.0', buildkit: 'v0.10.6' },
      argv({
        output: 'type=oci,dest=/tmp/run/oci,tar=false,compression=uncompressed,oci-mediatypes=true',
        cache: [...CACHE_FROM, '--cache-to', `type=registry,ref=${IMAGE}:buildcache,mode=max,oci-mediatypes=true,compression=zstd,force-compression=true`],
      }),
      [/rewrite-timestamp/, /image-manifest=true/, /ignore-error=true/],
    ],
    ['dev builds count as new enough', { buildx: '0.0.0+unknown', buildkit: 'v0.0.0-dev' }, argv({ cache: BOTH_CACHES }), []],
  ])('%s', (_name, versions, expected, warnings) => {
    const config = configFrom(SOURCE);
    const features = planFeatures(config, versions);
    expect(features.errors).toEqual([]);
    expect(features.warnings).toHaveLength(warnings.length);
    warnings.forEach((warning, i) => expect(features.warnings[i]).toMatch(warning));
    expect(buildx(config, {}, versions).args).toEqual(expected);
  });

  it.each<[string, Record<string, string>, { buildx: string; buildkit?: string }, RegExp]>([
    ['provenance on buildx 0.9', { provenance: 'true', attestations: 'buildkit' }, { buildx: '0.9.1', buildkit: 'v0.13.0' }, /Input 'provenance' asks for provenance and SBOM attestations.*buildx 0\.10\.0/],
    ['sbom on BuildKit 0.10', { sbom: 'true', provenance: 'false', attestations: 'buildkit' }, { buildx: '0.12.0', buildkit: 'v0.10.6' }, /Input 'sbom' asks for .*BuildKit 0\.11\.0/],
    ['annotations on buildx 0.11', { annotations: 'a=b' }, { buildx: '0.11.2', buildkit: 'v0.13.0' }, /Input 'annotations' asks for --annotation needs buildx 0\.12\.0/],
    ['gha cache on buildx 0.20', { 'cache-backend': 'gha' }, { buildx: '0.20.1', buildkit: 'v0.20.0' }, /Input 'cache-backend' asks for the GitHub Actions cache backend/],
    ['source mode on buildx 0.7', { 'dockerfile-mode': 'source' }, { buildx: '0.7.1', buildkit: 'v0.13.0' }, /Input 'dockerfile-mode' asks for --build-context/],
    ['merge on buildx 0.11 (imagetools --annotation)', { mode: 'merge' }, { buildx: '0.11.2' }, /Input 'mode' asks for imagetools create --annotation/],
  ])('fails naming the input: %s', (_name, inputs, versions, message) => {
    const features = planFeatures(configFrom(inputs), versions);
    expect(features.errors).toHaveLength(1);
    expect(features.errors[0]).toMatch(message);
  });

  it('needs no BuildKit zstd when the action compresses (no attestations)', () => {
    expect(planFeatures(configFrom({ compression: 'zstd' }), { buildx: '0.12.0', buildkit: 'v0.9.3' }).errors).toEqual([]);
  });

  it('uses no cache features when the cache is off', () => {
    expect(builderFeatureUses(configFrom({ 'cache-backend': 'none' }))).toEqual([{ feature: 'rewriteTimestamp' }]);
  });
});

describe('planPublish', () => {
  it.each<[string, Record<string, string>, () => ReturnType<typeof contexts.defaultBranch>, { push: boolean; tags: string[]; targets: { repository: string; tags: string[] }[] }]>([
    ['default branch', {}, contexts.defaultBranch, { push: true, tags: [`${IMAGE}:main`, `${IMAGE}:sha-9a8b7c6`], targets: [{ repository: 'hello', tags: ['main', 'sha-9a8b7c6'] }] }],
    ['fork pull request: not pushed', {}, contexts.forkPullRequest, { push: false, tags: [`${IMAGE}:pr-43`, `${IMAGE}:sha-0f1e2d3`], targets: [{ repository: 'hello', tags: ['pr-43', 'sha-0f1e2d3'] }] }],
    ['tags input, two repositories', { tags: 'v1\n127.0.0.1:5000/mirror:v1' }, contexts.defaultBranch, { push: true, tags: [`${IMAGE}:v1`, '127.0.0.1:5000/mirror:v1'], targets: [{ repository: 'hello', tags: ['v1'] }, { repository: 'mirror', tags: ['v1'] }] }],
    ['push-by-digest leg: a temporary tag only', { 'push-by-digest': 'true', platforms: 'linux/arm64' }, contexts.defaultBranch, { push: true, tags: [`${IMAGE}:main`, `${IMAGE}:sha-9a8b7c6`], targets: [{ repository: 'hello', tags: [expect.stringMatching(/linux-arm64$/) as unknown as string] }] }],
  ])('%s', (_name, inputs, context, expected) => {
    const plan = planPublish(configFrom(inputs), { run: context(), publishedTags: [] });
    expect(plan.push).toBe(expected.push);
    expect(plan.tags).toEqual(expected.tags);
    expect(plan.targets.map((t) => ({ repository: t.name.repository, tags: t.tags }))).toEqual(expected.targets);
  });

  it('says why, and warns when cache-write: always cannot write', () => {
    const plan = planPublish(configFrom({ ...SOURCE, 'cache-write': 'always', push: 'false' }), { run: contexts.defaultBranch(), publishedTags: [] });
    expect(plan.warnings).toEqual([expect.stringMatching(/cache-write: always, but the image is not pushed/)]);
    expect(plan.notes.join('\n')).toMatch(/only read/);
  });

  it('prebuilt mode leaves the layer cache out and says why', () => {
    const plan = planPublish(configFrom({}), { run: contexts.defaultBranch(), publishedTags: [] });
    expect(plan).toMatchObject({ cacheFrom: [], cacheTo: '' });
    expect(plan.notes.join('\n')).toMatch(/Layer cache: not used in prebuilt mode/);
    expect(planPublish(configFrom({ 'cache-backend': 'none' }), { run: contexts.defaultBranch(), publishedTags: [] }).notes.join('\n')).not.toMatch(/Layer cache/);
  });

  it('the baseline is the default branch tag unless given', () => {
    expect(planPublish(configFrom({}), { run: contexts.pullRequest(), publishedTags: [] }).baseline).toEqual({ registry: '127.0.0.1:5000', repository: 'hello', tag: 'main' });
    expect(planPublish(configFrom({ baseline: '127.0.0.1:5000/hello:stable' }), { run: contexts.pullRequest(), publishedTags: [] }).baseline.tag).toBe('stable');
  });
});

describe('writeOutputs', () => {
  it('sets every output the run produced, in the order of the Outputs table, and nothing else', () => {
    const set: [string, string][] = [];
    writeOutputs({ tags: 'a:1', digest: 'sha256:x', size: '12' }, (name, value) => void set.push([name, value]));
    expect(set).toEqual([
      ['digest', 'sha256:x'],
      ['tags', 'a:1'],
      ['size', '12'],
    ]);
  });
});
