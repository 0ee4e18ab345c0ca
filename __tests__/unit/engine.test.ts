import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config.js';
import { decideEngine, directEngineProblems, type EngineFacts } from '../../src/image/engine.js';
import { InputError } from '../../src/errors.js';

const facts = (overrides: Partial<EngineFacts> & { buildx?: boolean }): EngineFacts => ({
  choice: 'auto',
  builder: '',
  buildkitEndpoint: '',
  os: 'linux',
  build: 'prebuilt',
  hasBuildx: () => Promise.resolve(overrides.buildx ?? false),
  ...overrides,
});

describe('decideEngine', () => {
  it.each<[string, Partial<EngineFacts> & { buildx?: boolean }, string, RegExp]>([
    ['buildx asked for', { choice: 'buildx' }, 'buildx', /^engine: buildx$/],
    ['buildx asked for, even on Windows with a source build', { choice: 'buildx', os: 'win32', build: 'source' }, 'buildx', /engine: buildx/],
    ['direct asked for, on Linux with docker', { choice: 'direct', buildx: true }, 'direct', /^engine: direct$/],
    ['auto with a builder', { builder: 'ci', os: 'darwin' }, 'buildx', /builder input names ci/],
    ['auto with a BuildKit endpoint', { buildkitEndpoint: 'tcp://127.0.0.1:1234', os: 'win32' }, 'buildx', /buildkit-endpoint is tcp:\/\/127\.0\.0\.1:1234/],
    ['auto on Linux with docker and buildx', { buildx: true }, 'buildx', /docker and its buildx plugin/],
    ['auto on Linux without docker', { buildx: false }, 'direct', /no docker CLI with the buildx plugin on PATH/],
    ['auto on macOS, whatever docker says', { os: 'darwin', buildx: true }, 'direct', /macOS runs no Linux BuildKit/],
    ['auto on Windows, whatever docker says', { os: 'win32', buildx: true }, 'direct', /Windows runs no Linux BuildKit/],
    ['auto with a source build and a builder', { build: 'source', builder: 'ci' }, 'buildx', /builder input/],
  ])('%s', async (_name, given, engine, reason) => {
    const decision = await decideEngine(facts(given));
    expect(decision.engine).toBe(engine);
    expect(decision.reason).toMatch(reason);
  });

  it.each<[string, Partial<EngineFacts>, RegExp]>([
    ['direct with dockerfile-mode source', { choice: 'direct', build: 'source' }, /Input 'engine' has an invalid value "direct": expected buildx when dockerfile-mode is source/],
    ['direct with a user Dockerfile', { choice: 'direct', build: 'dockerfile' }, /Input 'engine' .*"direct".*buildx when dockerfile is a Dockerfile/],
    ['auto, no docker, source mode', { build: 'source' }, /"auto \(no docker CLI with the buildx plugin on PATH, no builder or buildkit-endpoint\)".*dockerfile-mode is source/],
    ['auto on macOS with a user Dockerfile', { os: 'darwin', build: 'dockerfile' }, /auto \(macOS runs no Linux BuildKit here.*dockerfile is a Dockerfile/],
  ])('%s fails naming both inputs and what to do', async (_name, given, message) => {
    const decision = decideEngine(facts(given));
    await expect(decision).rejects.toThrow(InputError);
    await expect(decision).rejects.toThrow(message);
    await expect(decision).rejects.toThrow(/Set engine: buildx with a builder or buildkit-endpoint/);
  });

  it('asks about docker only under auto without a builder', async () => {
    let asked = 0;
    const hasBuildx = () => Promise.resolve(++asked > 0);
    await decideEngine(facts({ choice: 'buildx', hasBuildx }));
    await decideEngine(facts({ choice: 'direct', hasBuildx }));
    await decideEngine(facts({ builder: 'b', hasBuildx }));
    await decideEngine(facts({ os: 'win32', hasBuildx }));
    expect(asked).toBe(0);
    await decideEngine(facts({ hasBuildx }));
    expect(asked).toBe(1);
  });
});

describe('directEngineProblems', () => {
  const configFrom = (inputs: Record<string, string>) => parseConfig((name) => ({ image: 'ghcr.io/acme/api', provenance: 'false', ...inputs })[name] ?? '', '/work/space');

  it.each([
    ['a base image', { 'base-image': 'ghcr.io/acme/base:1' }, []],
    ['the defaults with provenance off', {}, []],
    ['zstd', { compression: 'zstd' }, ['compression']],
    ['SBOM and provenance as referrers (the default)', { provenance: 'true', sbom: 'true' }, []],
    ["BuildKit's in-index attestations", { provenance: 'true', attestations: 'buildkit' }, ['attestations']],
    ['attestations: buildkit with both off', { provenance: 'false', sbom: 'false', attestations: 'buildkit' }, []],
  ])('%s: %j', (_name, inputs, refused) => {
    expect(directEngineProblems(configFrom(inputs)).map((problem) => problem.input)).toEqual(refused);
  });
});
