import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writePullRequestEvent } from '../fixtures/pull-request-event.js';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { GitHubApiDouble } from '../helpers/github-api.js';
import { mermaidBlocks, OUTPUT_DIR, renderMermaid } from '../helpers/mermaid-browser.js';
import { nmPackageBytes } from '../helpers/nm-attribution.js';
import { craneJson, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';
import { formatBytes } from '../../src/format-bytes.js';

/**
 * Five default-branch builds of examples/hello whose binary grows, then a pull request that also
 * imports encoding/xml: the chart, its text line and the history stored on the image, with the
 * direct engine and two platforms to stay quick.
 */
const TOKEN = 'ghs_sizeHistoryTestToken0123456789abcdef';
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const ANNOTATION = 'io.github.go-slim-image.size-report';

interface StoredHistory {
  history?: { commit: string; date: string; sizes: Record<string, number>; binaries?: Record<string, number>; modules?: Record<string, number> }[];
  attribution?: { packages?: Record<string, Record<string, number>> };
}

/** Build n's extra bytes: pseudo-random hex (so gzip cannot fold it away), printed only on request so the linker keeps it. */
function growthSource(n: number, xml: boolean): string {
  let padding = '';
  for (let i = 0; padding.length < n * 30_000; i++) padding += createHash('sha256').update(`${n}:${i}`).digest('hex');
  return [
    'package main',
    '',
    `import (\n\t"os"${xml ? '\n\t"encoding/xml"' : ''}\n)`,
    '',
    `var padding = "${padding}"`,
    '',
    'func init() {',
    '\tif os.Getenv("HELLO_PADDING") == "print" {',
    '\t\tos.Stdout.WriteString(padding)',
    xml ? '\t\tout, _ := xml.Marshal(struct{ Padding string }{padding})\n\t\tos.Stdout.Write(out)' : '',
    '\t}',
    '}',
    '',
  ].join('\n');
}

describe('size history: five default-branch builds, then a pull request', () => {
  let s: Stack;
  let api: GitHubApiDouble;
  let workspace: string;
  let image: string;
  const builds: { commit: string; run: ActionRun }[] = [];
  let pr: ActionRun;
  let comment: string;

  const commit = (n: number) => {
    const date = `2026-12-0${n}T10:00:00Z`;
    execFileSync('sh', ['-c', `git add -A && git -c user.name=t -c user.email=t@example.com commit -qm "build ${n}"`], { cwd: workspace, env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: workspace, encoding: 'utf8' }).trim();
  };
  const inputs = (extra: Record<string, string>) => ({ image, 'working-directory': 'examples/hello', engine: 'direct', platforms: PLATFORMS.join(','), ...extra });

  beforeAll(async () => {
    s = stack();
    api = await new GitHubApiDouble().start();
    workspace = await helloWorkspace();
    image = uniqueRepository(s, 'hello-history');
    for (let n = 1; n <= 5; n++) {
      await fs.writeFile(path.join(workspace, 'examples/hello/growth.go'), growthSource(n, false));
      const sha = commit(n);
      const run = await runStep('main', { workspace, inputs: inputs({ tags: 'main', comment: 'never' }), env: s.env });
      expect(errorAnnotations(run)).toEqual([]);
      expect(run.exitCode).toBe(0);
      builds.push({ commit: sha, run });
    }
    await fs.writeFile(path.join(workspace, 'examples/hello/growth.go'), growthSource(5, true));
    const headSha = commit(6);
    const { env } = await writePullRequestEvent({ number: 77, headSha });
    pr = await runStep('main', { workspace, inputs: inputs({ tags: 'pr-77', 'github-token': TOKEN }), env: { ...s.env, ...env, GITHUB_API_URL: api.url } });
    expect(errorAnnotations(pr)).toEqual([]);
    expect(pr.exitCode).toBe(0);
    comment = api.commentsOn('acme', 'hello', 77)[0]!.body;
  }, 900_000);

  afterAll(async () => {
    await api.stop();
  });

  const compressed = (run: ActionRun, platform: string) => (JSON.parse(run.outputs.sizes!) as { platform: string; compressed: number }[]).find((e) => e.platform === platform)!.compressed;
  const storedReport = (ref: string) => {
    const manifest = craneJson<{ annotations?: Record<string, string> }>(s, 'manifest', ref);
    return JSON.parse(manifest.annotations?.[ANNOTATION] ?? '{}') as StoredHistory;
  };

  it('the default branch\'s image stores five builds; the pull request\'s image stores none', () => {
    const history = storedReport(`${image}:main`).history!;
    expect(history.map((e) => e.commit)).toEqual(builds.map((b) => b.commit.slice(0, 12)));
    expect(history.map((e) => e.date)).toEqual([1, 2, 3, 4, 5].map((n) => `2026-12-0${n}T10:00:00Z`));
    for (const [i, entry] of history.entries()) {
      expect(entry.sizes).toEqual(Object.fromEntries(PLATFORMS.map((p) => [p, compressed(builds[i]!.run, p)])));
      expect(Object.keys(entry.binaries ?? {}).sort()).toEqual(PLATFORMS);
      expect(Object.keys(entry.modules ?? {})).toContain('std');
    }
    const annotation = craneJson<{ annotations: Record<string, string> }>(s, 'manifest', `${image}:main`).annotations[ANNOTATION]!;
    console.log(`stored size report of the 5th build: ${annotation.length} bytes, of which history ${JSON.stringify(history).length} bytes (5 entries, 2 platforms)`);
    expect(storedReport(pr.outputs['image-ref']!).history).toBeUndefined();
  });

  it('the comment and the summary hold a Mermaid chart with six points per platform, the last one the PR', () => {
    for (const text of [comment, pr.summary]) {
      const [chart] = mermaidBlocks(text);
      expect(chart).toBeDefined();
      const lines = [...chart!.matchAll(/^\s*line \[(.*)\]$/gm)].map((m) => m[1]!.split(',').length);
      expect(lines).toEqual([6, 6]);
      expect(chart).toContain(`x-axis [${builds.map((b) => `"${b.commit.slice(0, 7)}"`).join(', ')}, "PR"]`);
    }
  });

  it('the text line gives the smallest (first build) and largest (the PR) size per platform', () => {
    for (const platform of PLATFORMS) {
      const min = formatBytes(compressed(builds[0]!.run, platform));
      const max = formatBytes(compressed(pr, platform));
      expect(comment).toContain(`- ${platform}: min ${min} (\`${builds[0]!.commit.slice(0, 7)}\`), max ${max} (PR), change over 6 builds ▲`);
    }
  });

  it('names encoding/xml among the packages that grew, its code within 1% of its text symbols in an unstripped build', async () => {
    const row = new RegExp('^\\| `encoding/xml` \\| – \\| ([0-9.]+) KiB \\| ▲ \\+[0-9.]+ KiB \\(new\\) \\|$', 'm').exec(comment);
    expect(row).not.toBeNull();
    const unstripped = path.join(workspace, 'hello.unstripped');
    execFileSync('go', ['build', '-trimpath', '-o', unstripped, '.'], { cwd: path.join(workspace, 'examples/hello'), env: { ...process.env, ...s.env, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64' } });
    const nm = nmPackageBytes(unstripped, 'encoding/xml');
    const shown = Number(row![1]) * 1024;
    const stored = storedReport(pr.outputs['image-ref']!).attribution!.packages!.std!['encoding/xml']!;
    console.log(`encoding/xml: comment ${row![1]} KiB, stored ${stored} B, go tool nm (T) ${nm} B`);
    expect(Math.abs(shown - nm) / nm).toBeLessThan(0.01);
    expect(Math.abs(stored - nm) / nm).toBeLessThan(0.01);
  }, 300_000);

  it('the comment\'s chart renders in a browser: one line per platform, six points each', async () => {
    await fs.mkdir(OUTPUT_DIR, { recursive: true });
    const png = path.join(OUTPUT_DIR, 'size-history-comment.png');
    await fs.writeFile(path.join(OUTPUT_DIR, 'size-history-comment.md'), comment);
    // Under the chart, the legend and the text lines, as the comment shows them.
    const caption = comment.split('\n').filter((line) => line.startsWith('🟦') || /^- linux\//.test(line));
    const chart = await renderMermaid(comment, png, caption);
    console.log(`screenshot of the PR comment's chart: ${png}`);
    expect(chart.linePoints).toEqual([6, 6]);
    expect(chart.xLabels.at(-1)).toBe('PR');
  }, 120_000);
});
