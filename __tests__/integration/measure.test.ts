/**
 * Measurements for the README and the issue notes, not assertions: skipped unless GSI_MEASURE=1.
 *   GSI_MEASURE=1 npx jest __tests__/integration/measure.test.ts --selectProjects integration --runInBand
 * For examples/hello and node_exporter (fetched at a pinned version from the Go module proxy):
 * Go-cache timings through the action and the cache service double (cold, warm, one-line change),
 * and per-platform binary / gzip -9 / image sizes of a three-platform build with its wall time.
 */
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyGoCaches, runStep, type ActionRun } from '../helpers/action.js';
import { startCacheServer, type CacheServer } from '../helpers/cache-server.js';
import { craneJson, helloWorkspace, imageFile, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

const enabled = process.env.GSI_MEASURE === '1';
const NODE_EXPORTER = { module: 'github.com/prometheus/node_exporter', version: 'v1.12.1', binary: 'node_exporter', change: 'node_exporter.go' };

async function nodeExporterWorkspace(): Promise<string> {
  const { Dir } = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${NODE_EXPORTER.module}@${NODE_EXPORTER.version}`], { encoding: 'utf8' })) as { Dir: string };
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-measure-'));
  execFileSync('cp', ['-r', `${Dir}/.`, workspace]);
  execFileSync('chmod', ['-R', 'u+w', workspace]);
  execFileSync('sh', ['-c', 'git init -q -b main && git add -A && git -c user.name=t -c user.email=t@example.com commit -qm v', '--'], {
    cwd: workspace,
    env: { ...process.env, GIT_COMMITTER_DATE: '2026-01-02T03:04:05Z', GIT_AUTHOR_DATE: '2026-01-02T03:04:05Z' },
  });
  return workspace;
}

const compile = (run: ActionRun) => Number(/compile ([0-9.]+) s/.exec(run.summary)?.[1]);
const gzip9 = (data: Buffer) => execFileSync('gzip', ['-9', '-n', '-c'], { input: data, maxBuffer: 1 << 30 }).length;

(enabled ? describe : describe.skip)('measurements', () => {
  let s: Stack;
  let server: CacheServer;
  const lines: string[] = [];
  const cacheRoot = path.join(os.tmpdir(), `gsi-measure-caches-${process.pid}`);
  const emptyCaches = () => emptyGoCaches(cacheRoot);

  beforeAll(async () => {
    s = stack();
    server = await startCacheServer();
  });
  afterAll(async () => {
    await server.close();
    console.log(lines.join('\n'));
  });

  const workloads: [string, () => Promise<{ workspace: string; dir: string; main: string; changeFile: string }>][] = [
    ['examples/hello', async () => ({ workspace: await helloWorkspace(), dir: 'examples/hello', main: '.', changeFile: 'main.go' })],
    ['node_exporter ' + NODE_EXPORTER.version, async () => ({ workspace: await nodeExporterWorkspace(), dir: '.', main: '.', changeFile: NODE_EXPORTER.change })],
  ];

  it.each(workloads)('%s: Go caches (cold, warm, one-line change) and three-platform sizes', async (name, make) => {
    const w = await make();
    const image = uniqueRepository(s, 'measure');
    const binaryName = w.dir === '.' ? NODE_EXPORTER.binary : 'hello';
    const goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim().replace(/^go/, '');
    // node_exporter's go line asks for 1.25.0, which only go.dev could supply here: build it with this machine's Go.
    const inputs = { image, 'working-directory': w.dir, main: w.main, 'binary-name': binaryName, builder: s.builder, 'ca-certificates': 'false', 'go-version': goVersion };
    const env = { ...s.env, ...server.env };
    const cold = await runStep('main', { workspace: w.workspace, inputs, env: { ...env, ...(await emptyCaches()) } });
    await runStep('post', { workspace: w.workspace, previous: cold, env });
    const warm = await runStep('main', { workspace: w.workspace, inputs, env: { ...env, ...(await emptyCaches()) } });
    const file = path.join(w.workspace, w.dir, w.changeFile);
    await fs.appendFile(file, '\n// one-line change\nvar _ = 1\n');
    const changed = await runStep('main', { workspace: w.workspace, inputs, env: { ...env, ...(await emptyCaches()) } });
    lines.push(`${name}: compile cold ${compile(cold)} s, warm (restored cache) ${compile(warm)} s, one-line change ${compile(changed)} s; go-cache-hit ${warm.outputs['go-cache-hit']}`);

    const platforms = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
    const started = Date.now();
    const multi = await runStep('main', { workspace: w.workspace, inputs: { ...inputs, image: uniqueRepository(s, 'measure-multi'), platforms: platforms.join(','), 'ca-certificates': 'auto' }, env: { ...env, ...(await emptyCaches()) } });
    const wall = (Date.now() - started) / 1000;
    const sizes = JSON.parse(multi.outputs.sizes ?? '[]') as { platform: string; compressed: number }[];
    lines.push(`${name}: three-platform build (cold Go cache) ${wall.toFixed(1)} s wall, exit ${multi.exitCode}`);
    for (const platform of platforms) {
      const binary = imageFile(s, multi.outputs['image-ref']!, `usr/local/bin/${binaryName}`, platform);
      const gz = gzip9(binary);
      const compressed = sizes.find((e) => e.platform === platform)?.compressed ?? NaN;
      lines.push(`  ${platform}: binary ${binary.length} B, gzip -9 ${gz} B, image ${compressed} B, image/gzip ${(compressed / gz).toFixed(4)}`);
    }
    void craneJson;
  }, 1_800_000);
});
