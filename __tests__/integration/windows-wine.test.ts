import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, spawnNode } from '../helpers/action.js';
import { craneJson, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/**
 * The CLI on the Windows builds of Node and Go, under Debian's wine, builds examples/hello for two
 * platforms with engine auto and gets the digest the same build gets on Linux (same Go version:
 * the binary depends on it). scripts/wine/prepare.sh installs and prepares everything, and holds
 * the wine 8 workarounds, which belong to this harness and not to the product.
 */

const cliScript = path.join(repoRoot, 'dist/cli/index.js');
const PLATFORMS = 'linux/amd64,linux/arm64';
// No git under wine: both sides take the commit time from SOURCE_DATE_EPOCH and have no revision.
const SOURCE_DATE_EPOCH = '1767323045';

interface WineEnv {
  WINEPREFIX: string;
  GSI_WINE_NODE: string;
  GSI_WINE_GO_BIN: string;
  GSI_LINUX_GO_BIN: string;
  GSI_WINE_KEEPALIVE: string;
  GSI_WIN_GO_VERSION: string;
}

type Prepared = { ok: true; env: WineEnv } | { ok: false; reason: string };

function prepareWine(): Promise<Prepared> {
  return new Promise((resolve, reject) => {
    execFile('bash', [path.join(repoRoot, 'scripts/wine/prepare.sh')], { maxBuffer: 1 << 20, timeout: 20 * 60_000 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 3) return resolve({ ok: false, reason: /unavailable: (.*)/.exec(stderr)?.[1] ?? stderr.trim() });
      if (error) return reject(new Error(`scripts/wine/prepare.sh failed: ${stderr.trim() || error.message}`));
      const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!])) as unknown as WineEnv;
      resolve({ ok: true, env });
    });
  });
}

/** The Windows form of a Linux path as wine maps it (drive Z: is the Linux root). */
function windowsPath(linuxPath: string): string {
  return `Z:${linuxPath.replaceAll('/', '\\')}`;
}

/** Variables of the developer's shell or runner that must not reach either CLI run. */
function cleanEnv(): NodeJS.ProcessEnv {
  const runnerOwned = /^(INPUT_|GITHUB_|RUNNER_|STATE_|ACTIONS_)|^(NODE_OPTIONS|CI|GOFLAGS|GOTOOLCHAIN|GOROOT)$/;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !runnerOwned.test(key)));
}

/** Runs the Windows Node under wine; its output goes to files, as Node under wine dies writing to a pipe. */
async function runUnderWine(wine: WineEnv, s: Stack, args: string[], cwd: string, logDir: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const outFile = path.join(logDir, 'wine-stdout.txt');
  const errFile = path.join(logDir, 'wine-stderr.txt');
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    ...s.env,
    WINEPREFIX: wine.WINEPREFIX,
    WINEDEBUG: '-all',
    // The Windows Go first on the Windows PATH.
    WINEPATH: windowsPath(wine.GSI_WINE_GO_BIN),
    // Wine 8 rejects FileDispositionInformationEx, so go build fails deleting its work folder: keep it.
    GOFLAGS: '-work',
    GOTOOLCHAIN: 'local',
    SOURCE_DATE_EPOCH,
  };
  try {
    const exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn('wine', [wine.GSI_WINE_NODE, '--require', windowsPath(wine.GSI_WINE_KEEPALIVE), windowsPath(cliScript), ...args], { cwd, env, stdio: ['ignore', out, err] });
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
    return { exitCode, stdout: await fs.readFile(outFile, 'utf8'), stderr: await fs.readFile(errFile, 'utf8') };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

function printedDigest(stdout: string): string | undefined {
  return /^digest: +(sha256:[0-9a-f]{64})\s*$/m.exec(stdout)?.[1];
}

// Prepared before the tests are declared, so a machine without wine reports the test as skipped
// (with the reason printed), never as passed.
const prepared = await prepareWine();
if (!prepared.ok) process.stderr.write(`SKIPPED the Windows check under wine: ${prepared.reason}\n`);
const itWithWine = prepared.ok ? it : it.skip;

describe('the CLI on Windows (the Windows builds of Node and Go under wine)', () => {
  let s: Stack;
  let workspace: string;

  beforeAll(async () => {
    s = stack();
    workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-wine-'));
    await fs.cp(path.join(repoRoot, 'examples/hello'), path.join(workspace, 'hello'), { recursive: true });
  }, 25 * 60_000);

  itWithWine('picks the direct engine by itself and pushes the digest a Linux build of the same commit gets', async () => {
    if (!prepared.ok) throw new Error(prepared.reason);
    const wine = prepared.env;
    expect(existsSync(cliScript)).toBe(true);
    const windowsImage = uniqueRepository(s, 'hello-windows');
    const linuxImage = uniqueRepository(s, 'hello-linux');
    const common = ['--platforms', PLATFORMS, '--go-version', wine.GSI_WIN_GO_VERSION];
    const module = path.join(workspace, 'hello');
    // Windows: engine auto, and working-directory as a Windows path with backslashes.
    const windowsArgs = ['--image', windowsImage, '--working-directory', windowsPath(module), ...common];
    // Wine 8 sometimes fails to start one of the many compile.exe processes on a loaded machine
    // ("fork/exec …compile.exe: Internal error"): a harness fault, retried once; the Go build cache
    // keeps what was compiled, so the retry is short.
    const windowsRun = runUnderWine(wine, s, windowsArgs, workspace, workspace).then((run) =>
      run.exitCode !== 0 && /fork\/exec \S+\.exe: Internal error/.test(run.stderr) ? runUnderWine(wine, s, windowsArgs, workspace, workspace) : run,
    );
    const linuxRun = spawnNode(
      cliScript,
      { ...cleanEnv(), ...s.env, PATH: `${wine.GSI_LINUX_GO_BIN}${path.delimiter}${s.env.PATH ?? process.env.PATH}`, GOTOOLCHAIN: 'local', SOURCE_DATE_EPOCH },
      module,
      ['--image', linuxImage, '--engine', 'direct', ...common],
    );
    const [windows, linux] = await Promise.all([windowsRun, linuxRun]);
    for (const [side, run] of [['Windows', windows], ['Linux', linux]] as const) {
      if (run.exitCode !== 0) throw new Error(`The ${side} run exited ${run.exitCode}:\n${run.stderr.split('\n').slice(-15).join('\n')}`);
    }
    expect(windows.stderr).toMatch(/^Engine: direct \(auto\b/m);
    expect(windows.stderr).toContain(`Go version ${wine.GSI_WIN_GO_VERSION} (from go-version) for windows/amd64`);

    const windowsDigest = printedDigest(windows.stdout);
    expect(windowsDigest).toMatch(/^sha256:/);
    expect(windowsDigest).toBe(printedDigest(linux.stdout));
    const index = craneJson<{ manifests: { platform: { os: string; architecture: string } }[] }>(s, 'manifest', `${windowsImage}@${windowsDigest}`, '--insecure');
    expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort()).toEqual(PLATFORMS.split(','));
  }, 25 * 60_000);
});
