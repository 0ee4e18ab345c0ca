import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config.js';
import { readFileSync } from 'node:fs';
import { decideEngine, directEngineProblems, inspectCurrentBuilder, type CurrentBuilder, type EngineFacts } from '../../src/engine/choose.js';
import { recordingExec, type ExecHandler } from '../helpers/fake-tools.js';
import { InputError } from '../../src/errors.js';

const RUNNING = { name: 'ci', driver: 'docker-container', running: true };

const facts = (overrides: Partial<EngineFacts> & { current?: CurrentBuilder }): EngineFacts => ({
  choice: 'auto',
  builder: '',
  buildkitEndpoint: '',
  build: 'prebuilt',
  buildkitInputs: [],
  currentBuilder: () => Promise.resolve(overrides.current),
  ...overrides,
});

const provenance = new InputError('provenance', 'true', 'false');

describe('decideEngine', () => {
  it.each<[string, Partial<EngineFacts> & { current?: CurrentBuilder }, string, RegExp]>([
    ['buildx asked for', { choice: 'buildx' }, 'buildx', /^engine: buildx$/],
    ['buildx asked for, with a source build', { choice: 'buildx', build: 'source' }, 'buildx', /engine: buildx/],
    ['direct asked for, with a running builder', { choice: 'direct', current: RUNNING }, 'direct', /^engine: direct$/],
    ['auto with a builder', { builder: 'ci' }, 'buildx', /builder input names ci/],
    ['auto with a BuildKit endpoint', { buildkitEndpoint: 'tcp://127.0.0.1:1234' }, 'buildx', /buildkit-endpoint is tcp:\/\/127\.0\.0\.1:1234/],
    ['auto with the source mode', { build: 'source' }, 'buildx', /dockerfile-mode: source compiles inside BuildKit/],
    ['auto with your Dockerfile', { build: 'dockerfile' }, 'buildx', /a Dockerfile of your own needs BuildKit/],
    ["auto with BuildKit's attestations", { buildkitInputs: [provenance] }, 'buildx', /provenance: true needs BuildKit/],
    ['auto, a docker-container builder running (set up on purpose)', { current: RUNNING }, 'buildx', /current buildx builder ci \(docker-container driver\) is running/],
    ['auto, a remote builder running', { current: { name: 'r', driver: 'remote', running: true } }, 'buildx', /remote driver/],
    ['auto, the default docker-driver builder', { current: { name: 'default', driver: 'docker', running: true } }, 'direct', /default is the docker driver/],
    ['auto, a docker-container builder stopped', { current: { ...RUNNING, running: false } }, 'direct', /ci is not running/],
    ['auto, no docker or a daemon that is down', {}, 'direct', /inputs need no BuildKit.*no buildx builder answers here/],
  ])('%s', async (_name, given, engine, reason) => {
    const decision = await decideEngine(facts(given));
    expect(decision.engine).toBe(engine);
    expect(decision.reason).toMatch(reason);
  });

  it.each<[string, Partial<EngineFacts>, RegExp]>([
    ['direct with dockerfile-mode source', { choice: 'direct', build: 'source' }, /Input 'engine' has an invalid value "direct": expected buildx when dockerfile-mode is source/],
    ['direct with a user Dockerfile', { choice: 'direct', build: 'dockerfile' }, /Input 'engine' .*"direct".*buildx when dockerfile is a Dockerfile/],
  ])('%s fails naming both inputs and what to do', async (_name, given, message) => {
    const decision = decideEngine(facts(given));
    await expect(decision).rejects.toThrow(InputError);
    await expect(decision).rejects.toThrow(message);
    await expect(decision).rejects.toThrow(/Set engine: buildx with a builder or buildkit-endpoint/);
  });

  it('asks about the current builder only under auto when the inputs decide nothing', async () => {
    let asked = 0;
    const currentBuilder = () => Promise.resolve(++asked > 0 ? undefined : undefined);
    await decideEngine(facts({ choice: 'buildx', currentBuilder }));
    await decideEngine(facts({ choice: 'direct', currentBuilder }));
    await decideEngine(facts({ builder: 'b', currentBuilder }));
    await decideEngine(facts({ build: 'source', currentBuilder }));
    expect(asked).toBe(0);
    await decideEngine(facts({ currentBuilder }));
    expect(asked).toBe(1);
  });
});

describe('inspectCurrentBuilder', () => {
  const fixture = (name: string) => readFileSync(new URL(`../fixtures/buildx-inspect/${name}`, import.meta.url), 'utf8');
  it.each<[string, ExecHandler[], CurrentBuilder | undefined]>([
    ['no docker on PATH', [], undefined],
    ['a daemon that is down', [({ args }) => (args[1] === 'inspect' ? fixture('default-no-daemon.txt') : undefined)], undefined],
    ['a docker-container builder', [({ args }) => (args[1] === 'inspect' ? fixture('docker-container.txt') : undefined)], expect.objectContaining({ driver: 'docker-container', running: true }) as unknown as CurrentBuilder],
    ['a docker-container builder not started', [({ args }) => (args[1] === 'inspect' ? fixture('docker-container-inactive.txt') : undefined)], expect.objectContaining({ driver: 'docker-container', running: false }) as unknown as CurrentBuilder],
  ])('%s', async (_name, handlers, expected) => {
    const { exec, calls } = recordingExec(handlers);
    expect(await inspectCurrentBuilder(exec)).toEqual(expected);
    expect(calls.map((c) => c.args.join(' '))).toEqual(['buildx inspect']);
  });
});

describe('directEngineProblems', () => {
  const configFrom = (inputs: Record<string, string>) => parseConfig((name) => ({ image: 'ghcr.io/acme/api', provenance: 'false', ...inputs })[name] ?? '', '/work/space');

  it.each([
    ['a base image', { 'base-image': 'ghcr.io/acme/base:1' }, []],
    ['the defaults with provenance off', {}, []],
    ['zstd (the action compresses for both engines)', { compression: 'zstd' }, []],
    ['SBOM and provenance as referrers (the default)', { provenance: 'true', sbom: 'true' }, []],
    ["BuildKit's in-index attestations", { provenance: 'true', attestations: 'buildkit' }, ['attestations']],
    ['attestations: buildkit with both off', { provenance: 'false', sbom: 'false', attestations: 'buildkit' }, []],
  ])('%s: %j', (_name, inputs, refused) => {
    expect(directEngineProblems(configFrom(inputs)).map((problem) => problem.input)).toEqual(refused);
  });
});
