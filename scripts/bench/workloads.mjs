// The programs the benchmark builds: examples/hello and real open-source Go programs fetched at
// pinned versions from the Go module proxy at benchmark time (none of their code is committed).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { repoRoot, rmrf, run } from './lib.mjs';

export const workloads = {
  hello: { label: 'examples/hello', local: 'examples/hello', main: '.', binary: 'hello', size: 'tiny HTTP service, standard library only' },
  node_exporter: {
    label: 'node_exporter v1.12.1',
    module: 'github.com/prometheus/node_exporter',
    version: 'v1.12.1',
    main: '.',
    binary: 'node_exporter',
    size: 'mid-size service: Prometheus exporter, ~60 modules',
  },
  caddy: {
    label: 'caddy v2.11.9',
    module: 'github.com/caddyserver/caddy/v2',
    version: 'v2.11.9',
    main: './cmd/caddy',
    binary: 'caddy',
    size: 'large program: web server, ~250 modules',
  },
};

export const defaultWorkloads = ['hello', 'node_exporter', 'caddy'];

/** The module's source as a read-only folder: the repository's example or the module proxy's copy. */
export async function fetchSource(id) {
  const w = workloads[id];
  if (!w) throw new Error(`unknown workload "${id}"; known: ${Object.keys(workloads).join(', ')}`);
  if (w.local) return path.join(repoRoot, w.local);
  const { stdout } = await run('go', ['mod', 'download', '-json', `${w.module}@${w.version}`]);
  return JSON.parse(stdout).Dir;
}

const commitTime = (minutes) => new Date(Date.UTC(2026, 0, 2, 3, 4 + minutes, 5)).toISOString();

async function git(cwd, time, ...args) {
  await run('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_DATE: time,
      GIT_COMMITTER_DATE: time,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@example.com',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@example.com',
    },
  });
}

/**
 * A checkout as actions/checkout leaves it: a git repository with one commit, the Go module in
 * its `src/` folder (so a Dockerfile build context `src/` holds no .git, as with a .dockerignore).
 * An upstream .dockerignore is dropped: it belongs to the project's own release Dockerfile.
 */
export async function makeWorkspace(source, dir) {
  await rmrf(dir);
  await fs.mkdir(dir, { recursive: true });
  await fs.cp(source, path.join(dir, 'src'), { recursive: true });
  await run('chmod', ['-R', 'u+w', dir]);
  await fs.rm(path.join(dir, 'src/.dockerignore'), { force: true });
  await git(dir, commitTime(0), 'init', '-q', '-b', 'main');
  await git(dir, commitTime(0), 'add', '-A');
  await git(dir, commitTime(0), 'commit', '-q', '--no-verify', '-m', 'checkout');
  return dir;
}

/**
 * The one-line change: a line appended to a file of the main package (an init that prints, so
 * the linker keeps it and the binary really changes), committed a minute later.
 */
export async function oneLineChange(workspace, id, n) {
  const dir = path.join(workspace, 'src', workloads[id].main);
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.go') && !f.endsWith('_test.go')).sort();
  let target;
  for (const f of files) {
    if (/^package main\b/m.test(await fs.readFile(path.join(dir, f), 'utf8'))) {
      target = path.join(dir, f);
      break;
    }
  }
  if (!target) throw new Error(`no package main file in ${dir}`);
  await fs.appendFile(target, `\nfunc init() { println("go-slim-image bench edit ${n}") }\n`);
  await git(workspace, commitTime(n), 'commit', '-q', '--no-verify', '-am', `edit ${n}`);
}
