import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writePullRequestEvent } from '../fixtures/pull-request-event.js';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { GitHubApiDouble } from '../helpers/github-api.js';
import { crane, craneJson, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

const TOKEN = 'ghs_sizeReportTestToken0123456789abcdef';

interface Index {
  manifests: { digest: string; platform: { os: string; architecture: string } }[];
}
interface Manifest {
  config: { size: number };
  layers: { size: number }[];
}

/** Adds a real third-party dependency to the main package and commits it. */
async function addUuidDependency(workspace: string): Promise<void> {
  const dir = path.join(workspace, 'examples/hello');
  execFileSync('go', ['get', 'github.com/google/uuid@v1.6.0'], { cwd: dir, stdio: 'ignore' });
  await fs.writeFile(
    path.join(dir, 'requestid.go'),
    'package main\n\nimport "github.com/google/uuid"\n\n// requestID names one request in the logs.\nfunc requestID() string { return uuid.NewString() }\n\nvar _ = requestID\n',
  );
  execFileSync('sh', ['-c', 'git add -A && git -c user.name=t -c user.email=t@example.com commit -qm "request ids"'], { cwd: workspace });
}

describe('size report: baseline, PR comment, gate', () => {
  let s: Stack;
  let api: GitHubApiDouble;
  let workspace: string;
  let image: string;
  let pr: ActionRun;
  const platforms = 'linux/amd64,linux/arm64';

  const prRun = async (extra: Record<string, string> = {}, event: { fork?: boolean; number?: number } = {}) => {
    const { env } = await writePullRequestEvent({ number: 42, ...event });
    return runStep('main', {
      workspace,
      inputs: { image, 'working-directory': 'examples/hello', builder: s.builder, platforms, tags: 'pr-42', baseline: `${image}:main`, 'github-token': TOKEN, ...extra },
      env: { ...s.env, ...env, GITHUB_API_URL: api.url },
    });
  };

  beforeAll(async () => {
    s = stack();
    api = await new GitHubApiDouble().start();
    workspace = await helloWorkspace();
    image = uniqueRepository(s, 'hello-size');
    const baseline = await runStep('main', {
      workspace,
      inputs: { image, 'working-directory': 'examples/hello', builder: s.builder, platforms, tags: 'main', comment: 'never' },
      env: s.env,
    });
    expect(baseline.exitCode).toBe(0);
    expect(baseline.summary).toContain('does not exist yet');
    await addUuidDependency(workspace);
    pr = await prRun();
  }, 600_000);

  afterAll(async () => {
    await api.stop();
  });

  it('writes one sticky comment with the delta per platform and the module that appeared', () => {
    expect(errorAnnotations(pr)).toEqual([]);
    expect(pr.exitCode).toBe(0);
    const comments = api.commentsOn('acme', 'hello', 42);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body).toContain(`<!-- go-slim-image:${image} -->`);
    expect(body).toContain('github.com/google/uuid');
    expect(body).toMatch(/linux\/amd64 \| [0-9.]+ MiB \| [0-9.]+ MiB \| ▲ \+[0-9.]+ KiB/);
    expect(body).toMatch(/linux\/arm64 \| [0-9.]+ MiB \| [0-9.]+ MiB \| ▲ \+[0-9.]+ KiB/);
    console.log(`rendered PR comment:\n${body}`);
  });

  it('outputs sizes that match what crane reads, and the delta against the baseline', () => {
    const sizes = JSON.parse(pr.outputs.sizes!) as { platform: string; compressed: number; uncompressed: number; delta?: number }[];
    const index = craneJson<Index>(s, 'manifest', pr.outputs['image-ref']!);
    const baseIndex = craneJson<Index>(s, 'manifest', `${image}:main`);
    const compressed = (idx: Index, arch: string, repo: string) => {
      const m = craneJson<Manifest>(s, 'manifest', `${repo}@${idx.manifests.find((d) => d.platform.architecture === arch)!.digest}`);
      return m.config.size + m.layers.reduce((sum, l) => sum + l.size, 0);
    };
    for (const arch of ['amd64', 'arm64']) {
      const entry = sizes.find((e) => e.platform === `linux/${arch}`)!;
      const now = compressed(index, arch, image);
      const before = compressed(baseIndex, arch, image);
      console.log(`linux/${arch}: crane ${before} -> ${now} bytes (delta ${now - before}); action compressed ${entry.compressed}, uncompressed ${entry.uncompressed}, delta ${entry.delta}`);
      expect(entry.compressed).toBe(now);
      expect(entry.delta).toBe(now - before);
      expect(entry.uncompressed).toBeGreaterThan(entry.compressed);
    }
    expect(Number(pr.outputs.size)).toBe(Math.max(...sizes.map((e) => e.compressed)));
    expect(Number(pr.outputs['size-delta'])).toBeGreaterThan(0);
    expect(pr.outputs['size-report']).toContain('### Image size');
    expect(pr.summary).toContain('github.com/google/uuid');
  });

  it('a second push to the pull request updates the same comment', async () => {
    // A new commit changes the comment (its footer names the commit): it must be edited, not added.
    execFileSync('sh', ['-c', 'git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m "second push"'], { cwd: workspace });
    const patchesBefore = api.requests.filter((r) => r.method === 'PATCH').length;
    const again = await prRun();
    expect(again.exitCode).toBe(0);
    expect(api.requests.filter((r) => r.method === 'PATCH').length).toBe(patchesBefore + 1);
    const comments = api.commentsOn('acme', 'hello', 42);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: workspace, encoding: 'utf8' }).trim().slice(0, 12));
  }, 600_000);

  it('on a fork the comment is refused: a warning, and the build stands', async () => {
    api.modes = { forbidWrites: true };
    try {
      const fork = await prRun({ tags: 'pr-43' }, { fork: true, number: 43 });
      expect(fork.exitCode).toBe(0);
      expect(fork.stdout).toMatch(/::warning::.*(fork|403)/i);
      expect(fork.outputs.size).toMatch(/^\d+$/);
      expect(api.commentsOn('acme', 'hello', 43)).toHaveLength(0);
    } finally {
      api.modes = {};
    }
  }, 600_000);

  it.each([
    ['size-budget', '1MiB', /linux\/amd64.*1\.00 MiB|1 MiB/],
    ['max-increase', '0.01%', /linux\/(amd64|arm64): the image grew .*over the max-increase of 0\.01%/],
  ])('%s %s fails the step after the outputs and the comment are written, and moves no tag', async (input, value, message) => {
    const mainBefore = crane(s, 'digest', `${image}:main`).trim();
    const run = await prRun({ [input]: value, tags: `main\npr-42-${input}` });
    expect(run.exitCode).toBe(1);
    // Pushed by digest only: the tag that held the old image still does, the new tag does not exist.
    expect(crane(s, 'digest', `${image}:main`).trim()).toBe(mainBefore);
    expect(() => crane(s, 'digest', `${image}:pr-42-${input}`)).toThrow();
    expect(crane(s, 'digest', `${image}@${run.outputs.digest}`).trim()).toBe(run.outputs.digest);
    expect(run.outputs.tags).toBe('');
    expect(run.stdout).toMatch(/size gate failed, so the tags were not moved/);
    expect(run.summary).toMatch(/Tags not moved/);
    const errors = errorAnnotations(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(run.outputs.size).toMatch(/^\d+$/);
    expect(run.outputs['image-ref']).toMatch(/@sha256:/);
    expect(api.commentsOn('acme', 'hello', 42)).toHaveLength(1);
    expect(api.commentsOn('acme', 'hello', 42)[0]!.body).toMatch(/[Bb]udget|[Ii]ncrease/);
  }, 600_000);

  it('never prints the token (the runner consumes ::add-mask:: and masks the value everywhere)', () => {
    const shown = pr.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(pr.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(shown.join('\n') + pr.stderr + pr.summary + JSON.stringify(pr.outputs)).not.toContain(TOKEN);
    expect(api.commentsOn('acme', 'hello', 42)[0]!.body).not.toContain(TOKEN);
  });
});
