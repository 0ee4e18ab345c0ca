import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, testNode } from '../helpers/action.js';
import { offMachineConnects, parseConnects, requireStrace, straceConnectArgs } from '../helpers/connect-trace.js';
import { crane, craneJson, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/**
 * The one test where a runner we did not write reads action.yml: nektos/act (pinned in
 * scripts/versions.env, built by scripts/stack.sh) in host mode, no Docker. act skips
 * `actions/checkout` of the workflow's own repository and copies the local folder instead
 * (pkg/runner/step_action_remote.go, isLocalCheckout), so nothing is fetched. act and everything
 * it starts run under strace, which logs every connect: only loopback and Unix sockets may appear
 * (scripts/stack.sh builds act with loopback defaults for its server addresses, which otherwise
 * connect a UDP socket to 8.8.8.8 at every start).
 */

interface Index {
  manifests: { platform: { os: string; architecture: string } }[];
}

const commitTime = '2026-01-02T03:04:05Z';

/** A git repository holding the action as a release has it (action.yml, dist/) and examples/hello. */
async function actionRepository(workflow: string): Promise<string> {
  const repo = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-act-repo-'));
  await fs.copyFile(path.join(repoRoot, 'action.yml'), path.join(repo, 'action.yml'));
  for (const entry of ['main', 'post']) await fs.cp(path.join(repoRoot, 'dist', entry), path.join(repo, 'dist', entry), { recursive: true });
  await fs.cp(path.join(repoRoot, 'examples/hello'), path.join(repo, 'examples/hello'), { recursive: true });
  await fs.mkdir(path.join(repo, '.github/workflows'), { recursive: true });
  await fs.writeFile(path.join(repo, '.github/workflows/image.yml'), workflow);
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: { ...process.env, GIT_AUTHOR_DATE: commitTime, GIT_COMMITTER_DATE: commitTime, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
      stdio: 'ignore',
    });
  git('init', '-q', '-b', 'main');
  // act names the repository after the origin URL; nothing is ever fetched from it.
  git('remote', 'add', 'origin', 'https://github.com/acme/hello.git');
  git('add', '.');
  git('commit', '-q', '-m', 'hello');
  return repo;
}

/** The workflow: checkout, our action from the repository root, then a step reading its outputs. */
function workflowText(image: string, buildkitEndpoint: string, caches: { GOCACHE: string; GOMODCACHE: string }): string {
  return `name: image
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    env:
      GOCACHE: ${caches.GOCACHE}
      GOMODCACHE: ${caches.GOMODCACHE}
    steps:
      - uses: actions/checkout@v4
      - id: image
        uses: ./
        with:
          image: ${image}
          working-directory: examples/hello
          platforms: linux/amd64,linux/arm64
          buildkit-endpoint: ${buildkitEndpoint}
          comment: never
      - name: outputs
        env:
          DIGEST: \${{ steps.image.outputs.digest }}
          SIZE: \${{ steps.image.outputs.size }}
          SIZES: \${{ steps.image.outputs.sizes }}
        run: |
          [[ "$DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "bad digest: $DIGEST"; exit 1; }
          [[ "$SIZE" =~ ^[0-9]+$ ]] || { echo "bad size: $SIZE"; exit 1; }
          platforms=$(node -e 'console.log(JSON.parse(process.argv[1]).map((p) => p.platform).sort().join(","))' "$SIZES")
          [ "$platforms" = "linux/amd64,linux/arm64" ] || { echo "bad sizes: $SIZES"; exit 1; }
          echo "outputs-ok digest=$DIGEST size=$SIZE platforms=$platforms"
`;
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, output }));
  });
}

describe('the action under nektos/act (host mode)', () => {
  let s: Stack;
  let image: string;
  let result: { exitCode: number; output: string };
  let connects: string;

  beforeAll(async () => {
    s = stack();
    const act = path.join(s.toolsBin, 'act');
    if (!existsSync(act)) throw new Error(`${act} is missing: run bash scripts/stack.sh up (it builds act from ACT_VERSION in scripts/versions.env)`);
    image = uniqueRepository(s, 'hello-act');
    const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-act-'));
    // The build cache is the test's own, kept next to the tools: warm after the first run (a cold
    // one costs minutes of compiling the standard library twice), and small, since the post step
    // saves it to act's cache server. hello has no dependencies: the module cache stays empty.
    const caches = { GOCACHE: path.join(path.dirname(s.toolsBin), 'act-test-go-build'), GOMODCACHE: path.join(temp, 'go-mod') };
    const repo = await actionRepository(workflowText(image, s.buildkitAddr, caches));

    // A developer's environment without runner variables; act sets its own. `node` on PATH is the
    // one act runs node24 actions with: the same binary the other tests spawn the bundles on.
    const runnerOwned = /^(INPUT_|GITHUB_|RUNNER_|STATE_|ACTIONS_)|^(NODE_OPTIONS|CI)$/;
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !runnerOwned.test(key))),
      PATH: `${path.dirname(testNode())}:${s.toolsBin}:${process.env.PATH}`,
      // act asks its notices server for news unless told not to: no traffic off this machine.
      ACT_DISABLE_VERSION_CHECK: '1',
      // No ~/.config/act/actrc of the developer's.
      XDG_CONFIG_HOME: path.join(temp, 'config'),
      XDG_CACHE_HOME: path.join(temp, 'cache'),
    };
    const strace = requireStrace();
    const connectLog = path.join(temp, 'connects.log');
    const started = Date.now();
    result = await run(
      strace,
      [
        ...straceConnectArgs(connectLog),
        act,
        'push',
        '-C', repo,
        '-W', path.join(repo, '.github/workflows/image.yml'),
        '-P', 'ubuntu-latest=-self-hosted',
        '--action-cache-path', path.join(temp, 'actions'),
        '--cache-server-path', path.join(temp, 'cache-server'),
        // The cache server (the Actions cache the post step saves to) listens on loopback only.
        '--cache-server-addr', '127.0.0.1',
        '--defaultbranch', 'main',
        // An empty token: `gh auth token` is not asked, and no GitHub API is called.
        '-s', 'GITHUB_TOKEN=',
      ],
      { cwd: repo, env },
    );
    console.log(`act workflow (checkout, two-platform build, outputs, post): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    connects = await fs.readFile(connectLog, 'utf8');
  }, 900_000);

  it('addresses nothing but loopback and Unix sockets: strace sees no other connect', () => {
    // The run did connect: to the registry on loopback, BuildKit's socket, act's cache server.
    expect(parseConnects(connects).some((c) => c.family === 'AF_INET' || c.family === 'AF_INET6')).toBe(true);
    expect(offMachineConnects(connects).map((c) => c.line)).toEqual([]);
  });

  it('runs the workflow to success on the host, without Docker', () => {
    if (result.exitCode !== 0) console.log(result.output.slice(-6000));
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/Job succeeded/);
    expect(result.output).not.toMatch(/docker pull|Pulling image|Cannot connect to the Docker daemon/i);
  });

  it('skips the fetch of actions/checkout and runs action.yml from the checked-out repository', () => {
    expect(result.output).toMatch(/✅ {2}Success - Main actions\/checkout@v4/);
    expect(result.output).toMatch(/Main \.\//);
    expect(result.output).not.toMatch(/git clone|Cloning/i);
  });

  it('hands digest, size and sizes to the next step', () => {
    expect(result.output).toMatch(/outputs-ok digest=sha256:[0-9a-f]{64} size=\d+ platforms=linux\/amd64,linux\/arm64/);
  });

  it('runs the post step with the state main saved: Go caches saved to act\'s cache server, the builder main created removed', () => {
    expect(result.output).toMatch(/Post \.\//);
    expect(result.output).toMatch(/Go build cache: saved go-slim-image-/);
    expect(result.output).toMatch(/Removed the builder \S+/);
    const builder = /Removed the builder (\S+)/.exec(result.output)![1]!;
    expect(() => execFileSync('docker', ['buildx', 'inspect', builder], { stdio: 'ignore', env: { ...process.env, PATH: `${s.toolsBin}:${process.env.PATH}` } })).toThrow();
  });

  it('pushed the two-platform index to the local registry', () => {
    const digest = /outputs-ok digest=(sha256:[0-9a-f]{64})/.exec(result.output)![1]!;
    expect(crane(s, 'digest', `${image}:main`).trim()).toBe(digest);
    const index = craneJson<Index>(s, 'manifest', `${image}@${digest}`);
    expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort()).toEqual(['linux/amd64', 'linux/arm64']);
  });
});
