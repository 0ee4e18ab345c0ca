import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config.js';
import { isIndex } from '../../src/image/registry.js';
import { runPipeline, type RunResult } from '../../src/pipeline.js';
import { elf64 } from '../fixtures/elf.js';
import { writePullRequestEvent } from '../fixtures/pull-request-event.js';
import { pushEnv, pushEvent } from '../fixtures/push-event.js';
import { fakeTools, tarOf, writeOciLayout, type ExecHandler, type FakeTools } from '../helpers/fake-tools.js';

const IMAGE = '127.0.0.1:5000/acme/hello';
const REPO = { registry: '127.0.0.1:5000', repository: 'acme/hello' };
const INSPECT = readFileSync(new URL('../fixtures/buildx-inspect/remote.txt', import.meta.url), 'utf8');
const MACHINES: Record<string, number> = { amd64: 62, arm64: 183 };

let root: string;
let workspace: string;
let savedToolCache: string | undefined;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-pipeline-'));
  workspace = path.join(root, 'workspace');
  await fs.mkdir(workspace, { recursive: true });
  await fs.writeFile(path.join(workspace, 'go.mod'), 'module example.com/hello\n\ngo 1.26\n');
  await fs.writeFile(path.join(workspace, 'main.go'), 'package main\n\nfunc main() {}\n');
  await fs.mkdir(path.join(root, 'toolcache'));
  // installGo reads the tool cache folder from process.env, as @actions/tool-cache does.
  savedToolCache = process.env.RUNNER_TOOL_CACHE;
  process.env.RUNNER_TOOL_CACHE = path.join(root, 'toolcache');
});

afterAll(async () => {
  if (savedToolCache === undefined) delete process.env.RUNNER_TOOL_CACHE;
  else process.env.RUNNER_TOOL_CACHE = savedToolCache;
  await fs.rm(root, { recursive: true, force: true });
});

interface FakeWorld {
  /** The BuildKit version the fake builder reports. */
  buildkit: string;
  /** Bytes of the binary `go build` writes; grows when a test wants the image to grow. */
  binaryPadding: number;
}

/** Go, git and docker as the pipeline calls them, answered without running anything. */
function handlers(world: FakeWorld): ExecHandler[] {
  const go: ExecHandler = async ({ command, args, env }) => {
    if (!/(^|\/)go$/.test(command)) return undefined;
    const joined = args.join(' ');
    if (joined === 'env -json GOVERSION GOROOT GOCACHE GOMODCACHE') return JSON.stringify({ GOVERSION: 'go1.26.8', GOROOT: '/opt/fake-go', GOCACHE: '/opt/fake-cache/build', GOMODCACHE: '/opt/fake-cache/mod' });
    if (joined === 'tool dist list') return 'linux/amd64\nlinux/arm64\nlinux/arm\nwindows/amd64\n';
    if (args[0] === 'list' && args[1] === '-deps')
      return [
        `fmt\ttrue\t/opt/fake-go/src/fmt\tprint.go\tfmt\ttrue\t\t`,
        `net/http\ttrue\t/opt/fake-go/src/net/http\tserver.go\thttp\ttrue\t\t`,
        `crypto/x509\ttrue\t/opt/fake-go/src/crypto/x509\tx509.go\tx509\ttrue\t\t`,
        args.at(-1) === './lib' ? `example.com/hello/lib\tfalse\t${workspace}/lib\tlib.go\tlib\tfalse\texample.com/hello\ttrue` : `example.com/hello\tfalse\t${workspace}\tmain.go\tmain\tfalse\texample.com/hello\ttrue`,
        '',
      ].join('\n');
    if (args[0] === 'build' && args.includes('-buildid=') === false && !args.includes('-ldflags')) return undefined;
    if (args[0] === 'build' && String(args[args.indexOf('-ldflags') + 1]).includes('-s -w')) {
      const output = args[args.indexOf('-o') + 1]!;
      const machine = MACHINES[env?.GOARCH ?? 'amd64']!;
      await fs.writeFile(output, Buffer.concat([elf64({ machine }), Buffer.alloc(world.binaryPadding, 7)]));
      return '';
    }
    return undefined;
  };
  const git: ExecHandler = ({ command, args }) => {
    if (command !== 'git') return undefined;
    if (args.includes('log')) return '9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d 1700000000\n';
    if (args.includes('describe')) return 'v1.0.0-3-g9a8b7c6\n';
    return undefined;
  };
  const docker: ExecHandler = async ({ command, args }) => {
    if (command !== 'docker') return undefined;
    if (args.join(' ') === 'buildx version') return 'github.com/docker/buildx v0.38.2 1a2b3c\n';
    if (args[1] === 'inspect') return INSPECT.replace('v0.0.0+unknown', world.buildkit);
    if (args[1] === 'build') {
      const output = args[args.indexOf('--output') + 1]!;
      const dest = /dest=([^,]+)/.exec(output)![1]!;
      const platforms = args[args.indexOf('--platform') + 1]!.split(',').map((p) => ({ os: p.split('/')[0]!, arch: p.split('/')[1]! }));
      const context = args[args.length - 1]!;
      const digest = await writeOciLayout(dest, platforms, (platform) =>
        tarOf({ 'usr/local/bin/hello': readFileSync(path.join(context, 'bin', `${platform.os}-${platform.arch}`, 'hello')) }),
      );
      await fs.writeFile(args[args.indexOf('--metadata-file') + 1]!, JSON.stringify({ 'containerimage.digest': digest }));
      return '#1 [internal] load build definition from Dockerfile\n#5 CACHED\n#6 DONE 0.1s\n';
    }
    return undefined;
  };
  return [go, git, docker];
}

async function pushRunEnv(): Promise<NodeJS.ProcessEnv> {
  const eventPath = path.join(root, 'push-event.json');
  await fs.writeFile(eventPath, JSON.stringify(pushEvent({ ref: 'refs/heads/main' })));
  return { ...pushEnv('refs/heads/main'), GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'acme/hello', PATH: process.env.PATH };
}

function configFrom(inputs: Record<string, string>) {
  return parseConfig((name) => ({ image: IMAGE, builder: 'go-slim-image-local', cache: 'false', 'binary-name': 'hello', ...inputs })[name] ?? '', workspace);
}

async function run(tools: FakeTools, inputs: Record<string, string>, env?: NodeJS.ProcessEnv): Promise<RunResult> {
  const workDir = await fs.mkdtemp(path.join(root, 'run-'));
  return runPipeline(configFrom(inputs), { workDir, env: env ?? (await pushRunEnv()), workingDirectoryInput: '.' }, tools);
}

const buildxArgs = (tools: FakeTools, nth = 0) => tools.calls.filter((c) => c.command === 'docker' && c.args[1] === 'build')[nth]!.args;

describe('runPipeline with recording tools', () => {
  let world: FakeWorld;
  let tools: FakeTools;

  beforeEach(() => {
    world = { buildkit: 'v0.34.2', binaryPadding: 4096 };
    tools = fakeTools(handlers(world));
  });

  it('builds, pushes by digest, tags once the gate passes, and returns every output', async () => {
    const result = await run(tools, { platforms: 'linux/amd64,linux/arm64' });
    expect(result.failure).toBeUndefined();
    const { outputs } = result;
    expect(outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(outputs['image-ref']).toBe(`${IMAGE}@${outputs.digest}`);
    expect(outputs.tags).toBe(`${IMAGE}:main\n${IMAGE}:sha-9a8b7c6`);
    expect(outputs['go-version']).toBe('1.26.8');
    expect(outputs['go-cache-hit']).toBe('false');
    expect(Number(outputs['binary-size'])).toBeGreaterThan(4096);
    expect(JSON.parse(outputs.sizes!)).toHaveLength(2);
    expect(Number(outputs.size)).toBeGreaterThan(0);

    // Blobs, then manifests by digest, and only then the tags; both tags on the pushed index.
    // The SBOMs (one per platform) and the provenance go to the referrers tag schema's indexes first.
    const referrersTags = tools.registry.tagWrites.filter((t) => /:sha256-[a-f0-9]{64}$/.test(t));
    expect(referrersTags).toHaveLength(3);
    expect(tools.registry.tagWrites.filter((t) => !referrersTags.includes(t))).toEqual([`${IMAGE}:main`, `${IMAGE}:sha-9a8b7c6`]);
    expect(tools.registry.tagWrites.indexOf(`${IMAGE}:main`)).toBeGreaterThan(tools.registry.tagWrites.indexOf(referrersTags[2]!));
    expect(JSON.parse(outputs.attestations!).map((a: { kind: string; platform?: string }) => `${a.kind} ${a.platform ?? ''}`.trim())).toEqual(['sbom linux/amd64', 'sbom linux/arm64', 'provenance']);
    expect(outputs['sbom-files']!.split('\n').map((f) => path.basename(f))).toEqual(['linux-amd64.spdx.json', 'linux-arm64.spdx.json']);
    expect(tools.registry.tagDigest(REPO, 'main')).toBe(outputs.digest);
    const pushed = await tools.registry.getManifest(REPO, outputs.digest!);
    expect(isIndex(pushed.manifest)).toBe(true);

    const args = buildxArgs(tools);
    expect(args).toContain('--builder');
    expect(args[args.indexOf('--output') + 1]).toMatch(/compression=uncompressed,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=946684800$/);
    expect(tools.reporter.state.get('builder-to-remove')).toBeUndefined();
    const summary = tools.reporter.summaries.join('\n');
    expect(summary).toMatch(/Pushed `127\.0\.0\.1:5000\/acme\/hello@sha256:/);
    expect(summary).toMatch(/Time: Go setup \d+\.\d s · compile \d+\.\d s · image build \d+\.\d s · compress \d+\.\d s · push \d+\.\d s · report \d+\.\d s/);
    expect(summary).toMatch(/1 build steps from cache/);
  });

  it('a second run compares with the first as its baseline and uploads no blob it already pushed', async () => {
    const noAttestations = { sbom: 'false', provenance: 'false' };
    await run(tools, noAttestations);
    const uploadsBefore = tools.registry.blobUploads.length;
    world.binaryPadding += 50_000;
    const second = await run(tools, noAttestations);
    expect(second.failure).toBeUndefined();
    expect(JSON.parse(second.outputs.sizes!)[0].delta).toBeDefined();
    expect(Number(second.outputs['size-delta'])).toBeGreaterThan(0);
    // The binary layer changed (and its manifest's config); the rest was already there.
    expect(tools.registry.blobUploads.length - uploadsBefore).toBe(2);
  });

  it('a no-change rebuild reuses the compressed layer: nothing compressed or uploaded, the same digest', async () => {
    const first = await run(tools, {});
    const uploadsBefore = tools.registry.blobUploads.length;
    const second = await run(tools, {});
    expect(second.failure).toBeUndefined();
    expect(second.outputs.digest).toBe(first.outputs.digest);
    expect(tools.registry.blobUploads.length).toBe(uploadsBefore);
    expect(tools.reporter.lines.join('\n')).toMatch(/Reused 1 compressed layer from 127\.0\.0\.1:5000\/acme\/hello:main \(same diff_id, same compression\)/);
    // Not compressed: the second run's layout holds no gzip blob for it, yet the report has its sizes.
    const dest = /dest=([^,]+)/.exec(buildxArgs(tools, 1)[buildxArgs(tools, 1).indexOf('--output') + 1]!)![1]!;
    const manifest = (await tools.registry.getManifest(REPO, second.outputs.digest!)).manifest as { layers: { digest: string }[] };
    await expect(fs.access(path.join(dest, 'blobs', 'sha256', manifest.layers[0]!.digest.slice('sha256:'.length)))).rejects.toThrow();
    const layers = (outputs: RunResult['outputs']) => JSON.parse(outputs.sizes!)[0].layers;
    expect(layers(second.outputs)).toEqual(layers(first.outputs));
    expect(second.outputs['size-delta']).toBe('0');
  });

  it('the baseline\'s layer details come from the report stored on it: no layer blob of the baseline is read', async () => {
    const first = await run(tools, {});
    const firstLayers = JSON.parse(first.outputs.sizes!)[0].layers as { digest: string }[];
    const readsBefore = tools.registry.blobReads.length;
    world.binaryPadding += 50_000;
    const second = await run(tools, {});
    expect(second.failure).toBeUndefined();
    const reads = tools.registry.blobReads.slice(readsBefore);
    for (const layer of firstLayers) expect(reads).not.toContain(layer.digest);
    // Yet the comparison has the baseline's uncompressed sizes and contents.
    expect(tools.reporter.summaries.join('\n')).toMatch(/binary/);
    const stored = JSON.parse(((await tools.registry.getManifest(REPO, first.outputs.digest!)).manifest as unknown as { annotations: Record<string, string> }).annotations['io.github.go-slim-image.size-report']!);
    expect(Object.keys(stored.layers)).toEqual(firstLayers.map((l) => l.digest));
    expect(stored.layers[firstLayers[0]!.digest]).toMatchObject({ holds: ['binary'], files: 1 });
  });

  it('a layer the baseline holds in another repository of the registry is mounted, not uploaded', async () => {
    await run(tools, {});
    const uploadsBefore = tools.registry.blobUploads.length;
    const other = await run(tools, { image: '127.0.0.1:5000/acme/other', baseline: `${IMAGE}:main`, sbom: 'false', provenance: 'false' });
    expect(other.failure).toBeUndefined();
    // The config is new to the repository; the layer comes by a mount.
    expect(tools.registry.blobUploads.length - uploadsBefore).toBe(1);
    expect(tools.registry.blobMounts).toHaveLength(1);
    expect(tools.registry.blobMounts[0]).toMatch(/^127\.0\.0\.1:5000\/acme\/other <- acme\/hello sha256:/);
  });

  it('a failing size gate returns the outputs and the failure, and moves no tag', async () => {
    await run(tools, {});
    const mainBefore = tools.registry.tagDigest(REPO, 'main');
    world.binaryPadding += 200_000;
    const result = await run(tools, { 'max-increase': '1%' });
    expect(String(result.failure)).toMatch(/linux\/amd64.*1%/);
    expect(result.outputs.digest).toMatch(/^sha256:/);
    expect(result.outputs.size).toMatch(/^\d+$/);
    expect(result.outputs.tags).toBe('');
    expect(tools.registry.tagDigest(REPO, 'main')).toBe(mainBefore);
    expect(await tools.registry.getManifest(REPO, result.outputs.digest!)).toBeDefined();
    expect(tools.reporter.warnings.join('\n')).toMatch(/size gate failed, so the tags were not moved/);
    expect(tools.reporter.summaries.at(-1)).toMatch(/Tags not moved \(the size gate failed\)/);
  });

  it('an old BuildKit gets the argv without the options it lacks, with a warning', async () => {
    world.buildkit = 'v0.12.5';
    const result = await run(tools, {});
    expect(result.failure).toBeUndefined();
    expect(isIndex((await tools.registry.getManifest(REPO, result.outputs.digest!)).manifest)).toBe(false);
    expect(buildxArgs(tools)[buildxArgs(tools).indexOf('--output') + 1]).not.toMatch(/rewrite-timestamp/);
    expect(tools.reporter.warnings.join('\n')).toMatch(/rewrite-timestamp=true .*needs BuildKit 0\.13\.0 .*building without it/);
  });

  it('asks Go once about itself and once for the main package and its imports, never for dist list, after the builder check', async () => {
    const result = await run(tools, { platforms: 'linux/amd64,linux/arm64' });
    expect(result.failure).toBeUndefined();
    expect(result.outputs.digest).toMatch(/^sha256:/);
    const goCalls = tools.calls.filter((c) => /(^|\/)go$/.test(c.command)).map((c) => c.args.slice(0, 2).join(' '));
    expect(goCalls.filter((c) => c.startsWith('list'))).toEqual(['list -deps']);
    expect(goCalls).not.toContain('tool dist');
    // The Go on PATH satisfies the request: asked about itself once, not again once chosen.
    expect(goCalls.filter((c) => c.startsWith('env'))).toEqual(['env -json']);
    // The builder is checked first, in its own group, before anything is compiled.
    const lines = tools.reporter.lines;
    const builderGroup = lines.indexOf('[group] Preparing the buildx builder');
    expect(builderGroup).toBeGreaterThan(-1);
    expect(builderGroup).toBeLessThan(lines.findIndex((line) => line.startsWith('[group] Compiling')));
  });

  it('a feature an input asks for and the builder lacks fails before anything is compiled', async () => {
    world.buildkit = 'v0.10.6';
    const result = await run(tools, { sbom: 'true', provenance: 'false', attestations: 'buildkit' });
    expect(String(result.failure)).toMatch(/Input 'sbom' asks for provenance and SBOM attestations/);
    expect(tools.calls.some((c) => c.args[0] === 'build')).toBe(false);
    expect(result.outputs).toEqual({});
  });

  it('a pull request posts the sticky comment; a fork builds without pushing and sizes the local layout', async () => {
    const { env } = await writePullRequestEvent({ number: 42 });
    const result = await run(tools, { 'github-token': 'ghs_test' }, { ...env, PATH: process.env.PATH });
    expect(result.failure).toBeUndefined();
    expect(tools.comments).toHaveLength(1);
    expect(tools.comments[0]).toMatch(/acme\/hello/);
    expect(tools.reporter.lines.join('\n')).toMatch(/PR comment created/);

    const fork = fakeTools(handlers(world));
    const forkEvent = await writePullRequestEvent({ number: 43, fork: true });
    const forked = await run(fork, {}, { ...forkEvent.env, PATH: process.env.PATH });
    expect(forked.failure).toBeUndefined();
    expect(fork.registry.blobUploads).toEqual([]);
    expect(forked.outputs.size).toMatch(/^\d+$/);
    expect(fork.reporter.summaries[0]).toMatch(/\(not pushed\)/);
  });

  it('push: false says the tags were not pushed, not that a size gate failed', async () => {
    const result = await run(tools, { push: 'false' });
    expect(result.failure).toBeUndefined();
    expect(tools.registry.blobUploads).toEqual([]);
    expect(tools.reporter.summaries[0]).toContain(`Tags (not pushed): \`${IMAGE}:main\``);
    expect(tools.reporter.summaries[0]).not.toMatch(/size gate/);
  });

  it('passes build secrets to buildx by environment only (announceConfig masks them at the entry point)', async () => {
    const result = await run(tools, { secrets: 'npm=s3cret-npm-token' });
    expect(result.failure).toBeUndefined();
    const build = tools.calls.find((c) => c.command === 'docker' && c.args[1] === 'build')!;
    expect(build.args.join(' ')).not.toContain('s3cret-npm-token');
    expect(build.env?.GSI_BUILD_SECRET_0).toBe('s3cret-npm-token');
  });

  it('engine direct writes and pushes the image with no docker command at all', async () => {
    const result = await run(tools, { engine: 'direct', builder: '', platforms: 'linux/amd64,linux/arm64', 'timezone-data': 'false' });
    expect(result.failure).toBeUndefined();
    expect(tools.calls.filter((c) => c.command === 'docker')).toEqual([]);
    expect(tools.reporter.lines.join("\n")).toMatch(/^Engine: direct /m);
    expect(tools.registry.tagDigest(REPO, 'main')).toBe(result.outputs.digest);
    expect(JSON.parse(result.outputs.sizes!)).toHaveLength(2);
    expect(tools.reporter.summaries[0]).not.toMatch(/build steps from cache/);
  });

  it('a failure early on comes back as the result, with the outputs produced before it', async () => {
    const result = await run(tools, { main: './lib' });
    expect(String(result.failure)).toMatch(/Input 'main' has an invalid value "\.\/lib".*it is package lib/);
    expect(result.outputs['go-version']).toBe('1.26.8');
  });
});

describe('a matrix on a pull request from a fork (the token cannot push)', () => {
  it('each leg builds and sizes its platform, pushes nothing, and says why in one line', async () => {
    const tools = fakeTools(handlers({ buildkit: 'v0.34.2', binaryPadding: 1024 }));
    const { env } = await writePullRequestEvent({ number: 44, fork: true });
    const leg = await run(tools, { platforms: 'linux/arm64', 'push-by-digest': 'true' }, { ...env, PATH: process.env.PATH });
    expect(leg.failure).toBeUndefined();
    expect(tools.registry.blobUploads).toEqual([]);
    expect(tools.registry.tagWrites).toEqual([]);
    expect(await tools.registry.listTags(REPO)).toEqual([]);
    expect(JSON.parse(leg.outputs.sizes!).map((s: { platform: string }) => s.platform)).toEqual(['linux/arm64']);
    expect(leg.outputs.tags).toBe('');
    expect(tools.reporter.lines.filter((line) => /pushes nothing/.test(line))).toEqual([
      'pull request from a fork: the workflow token cannot push packages, so push defaults to false: this matrix leg builds and reports its size but pushes nothing (no digest, no temporary tag), and the merge job skips the merge',
    ]);
    expect(tools.reporter.summaries[0]).toMatch(/\(not pushed\)/);
  });

  it('the merge job pushes and reads nothing, says why, and succeeds', async () => {
    const tools = fakeTools(handlers({ buildkit: 'v0.34.2', binaryPadding: 1024 }));
    const { env } = await writePullRequestEvent({ number: 44, fork: true });
    const merged = await run(tools, { mode: 'merge', platforms: 'linux/amd64,linux/arm64' }, { ...env, PATH: process.env.PATH });
    expect(merged.failure).toBeUndefined();
    expect(merged.outputs).toEqual({});
    expect(tools.registry.tagWrites).toEqual([]);
    expect(tools.calls.filter((c) => c.args[1] === 'imagetools')).toEqual([]);
    const line = "Merge skipped: the workflow token cannot push on this pull request, so the matrix legs pushed nothing and there is no index to compose, size or tag; each leg's summary reports its platform's size.";
    expect(tools.reporter.lines).toContain(line);
    expect(tools.reporter.summaries).toEqual([`## go-slim-image\n\n${line}\n`]);
  });
});

describe('runPipeline in merge mode', () => {
  /** Two push-by-digest legs in a fresh registry, and a merger whose `imagetools create` copies one index source onto its tags, as buildx does. */
  async function legsAndMerger(): Promise<{ registry: FakeTools['registry']; merger: FakeTools }> {
    const world = { buildkit: 'v0.34.2', binaryPadding: 1024 };
    const legs = fakeTools(handlers(world));
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const leg = await run(legs, { platforms: platform, 'push-by-digest': 'true' });
      expect(leg.failure).toBeUndefined();
      expect(leg.outputs.tags).toBe('');
    }
    const imagetools: ExecHandler = async ({ command, args }) => {
      if (command !== 'docker') return undefined;
      if (args.join(' ') === 'buildx version') return 'github.com/docker/buildx v0.38.2 1a2b3c\n';
      if (args[1] !== 'imagetools') return undefined;
      const tags = args.flatMap((a, i) => (args[i - 1] === '--tag' ? [a] : []));
      const sources = args.filter((a) => a.includes('@sha256:'));
      // The merge composes and pushes the index itself; imagetools only copies it onto the tags.
      expect(sources).toHaveLength(1);
      expect(args).not.toContain('--annotation');
      const { body, mediaType } = await legs.registry.getManifestBytes(REPO, sources[0]!.slice(sources[0]!.indexOf('@') + 1));
      for (const tag of tags) await legs.registry.putManifest(REPO, tag.slice(tag.lastIndexOf(':') + 1), mediaType, body);
      return '';
    };
    const merger = fakeTools([imagetools]);
    merger.registry = legs.registry;
    return { registry: legs.registry, merger };
  }
  const temporaryTags = async (registry: FakeTools['registry']) => (await registry.listTags(REPO)).filter((t) => /^[0-9a-f]{7}-/.test(t));

  it('stitches the legs into one index, pushed by digest, then tagged through imagetools, and reports all platforms', async () => {
    const { registry, merger } = await legsAndMerger();
    expect(await temporaryTags(registry)).toHaveLength(2);
    const result = await run(merger, { mode: 'merge', platforms: 'linux/amd64,linux/arm64' });
    expect(result.failure).toBeUndefined();
    expect(result.outputs.tags).toBe(`${IMAGE}:main\n${IMAGE}:sha-9a8b7c6`);
    expect(registry.tagDigest(REPO, 'main')).toBe(result.outputs.digest);
    expect(registry.tagDigest(REPO, 'sha-9a8b7c6')).toBe(result.outputs.digest);
    expect(JSON.parse(result.outputs.sizes!).map((s: { platform: string }) => s.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(merger.reporter.summaries[0]).toMatch(/Time: merge \d+\.\d s · report \d+\.\d s/);
    expect(merger.reporter.summaries[0]).toMatch(/Tags: /);
    // The legs' temporary tags are removed once the index holds them.
    expect(await temporaryTags(registry)).toEqual([]);
  });

  it('a matrix of two legs plus a merge leaves one SBOM per platform and one provenance for the index; a rerun adds nothing twice', async () => {
    const { registry, merger } = await legsAndMerger();
    const referrersOf = async (digest: string) => {
      const found = await registry.findManifest(REPO, `sha256-${digest.slice('sha256:'.length)}`);
      return found && isIndex(found.manifest) ? found.manifest.manifests.map((m) => m.artifactType) : [];
    };
    const result = await run(merger, { mode: 'merge', platforms: 'linux/amd64,linux/arm64' });
    expect(result.failure).toBeUndefined();
    const index = (await registry.getManifest(REPO, result.outputs.digest!)).manifest;
    expect(isIndex(index) && index.manifests.map((m) => m.platform?.os)).toEqual(['linux', 'linux']);
    for (const platform of isIndex(index) ? index.manifests : []) expect(await referrersOf(platform.digest)).toEqual(['application/spdx+json']);
    expect(await referrersOf(result.outputs.digest!)).toEqual(['application/vnd.in-toto+json']);
    expect(JSON.parse(result.outputs.attestations!).map((a: { kind: string }) => a.kind)).toEqual(['provenance']);
    expect(merger.reporter.summaries[0]).toMatch(/Attestations: provenance \(SLSA v1\), attached as OCI referrers \(referrers tag schema\), unsigned/);

    const again = await run(merger, { mode: 'merge', platforms: 'linux/amd64,linux/arm64' });
    expect(again.outputs.digest).toBe(result.outputs.digest);
    expect(await referrersOf(result.outputs.digest!)).toEqual(['application/vnd.in-toto+json']);
  });

  it('a registry that refuses the artifact manifests: one warning, the image pushed and tagged, nothing else tried', async () => {
    const tools = fakeTools(handlers({ buildkit: 'v0.34.2', binaryPadding: 1024 }));
    let refused = 0;
    tools.registry.putReferrerManifest = async () => {
      refused++;
      throw new Error('PUT …/manifests/sha256:… answered HTTP 400: MANIFEST_INVALID');
    };
    const result = await run(tools, { platforms: 'linux/amd64,linux/arm64' });
    expect(result.failure).toBeUndefined();
    expect(tools.registry.tagDigest(REPO, 'main')).toBe(result.outputs.digest);
    expect(refused).toBe(1);
    expect(tools.reporter.warnings.filter((w) => /could not be attached .*MANIFEST_INVALID.*no further attestation is tried/.test(w))).toHaveLength(1);
    expect(result.outputs.attestations).toBe('[]');
  });

  it('signs with the signer when the job may (id-token: write), and goes on unsigned with a warning when signing fails', async () => {
    const tools = fakeTools(handlers({ buildkit: 'v0.34.2', binaryPadding: 1024 }));
    tools.signer.available = true;
    const signed = await run(tools, { 'github-token': 'ghs_faketoken' });
    expect(signed.failure).toBeUndefined();
    const entries = JSON.parse(signed.outputs.attestations!) as { kind: string; signed: boolean; artifactType: string; subject: string }[];
    expect(entries.map((e) => `${e.kind} ${e.signed}`)).toEqual(['sbom true', 'signature true', 'provenance true', 'signature true']);
    expect(tools.signer.requests.map((r) => r.predicateType)).toEqual(['https://spdx.dev/Document/v2.3', 'https://slsa.dev/provenance/v1']);
    expect(tools.signer.requests[1]!.subjectDigests).toEqual([signed.outputs.digest]);
    expect(tools.reporter.summaries.join('\n')).toMatch(/signed \(Sigstore\)/);

    const failing = fakeTools(handlers({ buildkit: 'v0.34.2', binaryPadding: 1024 }));
    failing.signer.available = true;
    failing.signer.failure = new Error('the OIDC token request was refused (HTTP 403)');
    const unsigned = await run(failing, {});
    expect(unsigned.failure).toBeUndefined();
    expect(JSON.parse(unsigned.outputs.attestations!).map((e: { kind: string; signed: boolean }) => `${e.kind} ${e.signed}`)).toEqual(['sbom false', 'provenance false']);
    expect(failing.reporter.warnings.filter((w) => /could not be signed/.test(w))).toHaveLength(1);

    const without = fakeTools(handlers({ buildkit: 'v0.34.2', binaryPadding: 1024 }));
    await run(without, {});
    expect(without.reporter.lines.filter((l) => /no OIDC token/.test(l))).toHaveLength(1);
  });

  it.each([
    ['buildx', {}],
    ['direct', { engine: 'direct', builder: '' }],
  ])('a failing size gate (%s engine) writes no tag: the index is pushed by digest, the legs keep their temporary tags', async (_engine, engineInputs) => {
    const { registry, merger } = await legsAndMerger();
    const tagWritesBefore = [...registry.tagWrites];
    const legTags = await temporaryTags(registry);
    const result = await run(merger, { mode: 'merge', platforms: 'linux/amd64,linux/arm64', 'size-budget': '1', ...engineInputs });
    expect(String(result.failure)).toMatch(/Image size gate failed:\n- .*linux\/amd64/);
    expect(registry.tagWrites).toEqual(tagWritesBefore);
    expect(registry.tagDigest(REPO, 'main')).toBeUndefined();
    expect(merger.calls.filter((c) => c.args[1] === 'imagetools')).toEqual([]);
    expect(result.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(result.outputs['image-ref']).toBe(`${IMAGE}@${result.outputs.digest}`);
    expect(result.outputs.tags).toBe('');
    expect(result.outputs.size).toMatch(/^\d+$/);
    expect(isIndex((await registry.getManifest(REPO, result.outputs.digest!)).manifest)).toBe(true);
    expect(merger.reporter.warnings.join('\n')).toContain(
      `The size gate failed, so the tags were not moved (${IMAGE}:main, ${IMAGE}:sha-9a8b7c6); the index is pushed by digest only: ${IMAGE}@${result.outputs.digest}.`,
    );
    expect(merger.reporter.summaries.at(-1)).toMatch(/Tags not moved \(the size gate failed\)/);
    expect(await temporaryTags(registry)).toEqual(legTags);

    // A re-run that passes the gate finds the same legs and tags the same index.
    const again = await run(merger, { mode: 'merge', platforms: 'linux/amd64,linux/arm64', ...engineInputs });
    expect(again.failure).toBeUndefined();
    expect(again.outputs.digest).toBe(result.outputs.digest);
    expect(registry.tagDigest(REPO, 'main')).toBe(result.outputs.digest);
    expect(await temporaryTags(registry)).toEqual([]);
  });
});
