import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { Attribution } from '../../src/report/attribution.js';
import {
  explainingModule,
  historyChart,
  historyEntry,
  historyPoints,
  historySection,
  historyTextLines,
  mergeHistories,
  nextHistory,
  parseHistory,
  recordsHistory,
  sparkline,
  type HistoryEntry,
} from '../../src/report/history.js';
import { mergeStoredReports, parseStoredReport, serializeStoredReport } from '../../src/report/stored.js';

const KiB = 1024;
const MiB = 1024 * KiB;

const build = (commit: string, amd64: number, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({ commit, date: '2026-12-05T10:00:00Z', sizes: { 'linux/amd64': amd64 }, ...extra });

const attribution: Attribution = {
  goVersion: 'go1.26.8',
  mainModule: 'example.com/hello',
  total: 3 * MiB,
  basis: 'pclntab',
  modules: [
    { module: '(read-only data)', kind: 'section', bytes: MiB },
    { module: 'std', kind: 'std', bytes: 900 * KiB },
    { module: 'github.com/a/big', kind: 'dep', bytes: 300 * KiB, version: 'v1.0.0' },
    { module: 'example.com/hello', kind: 'main', bytes: 20 * KiB },
    { module: 'github.com/b/small', kind: 'dep', bytes: 2 * KiB, version: 'v0.1.0' },
  ],
};

describe('which builds join the history', () => {
  it.each([
    ['a push to the default branch', { ref: 'refs/heads/trunk', defaultBranch: 'trunk' }, true],
    ['a push to main when the payload does not name the default branch', { ref: 'refs/heads/main', defaultBranch: '' }, true],
    ['a push to another branch', { ref: 'refs/heads/feature', defaultBranch: 'main' }, false],
    ['a tag', { ref: 'refs/tags/v1.0.0', defaultBranch: 'main' }, false],
    ['a pull request', { ref: 'refs/pull/7/merge', defaultBranch: 'main', pullRequest: { issueNumber: 7 } }, false],
    ['a local run (no ref)', { ref: '', defaultBranch: '' }, false],
  ])('%s: %s', (_, run, expected) => {
    expect(recordsHistory(run as Parameters<typeof recordsHistory>[0])).toBe(expected);
  });
});

describe('a history entry', () => {
  it('holds the commit, its date, the sizes per platform, the binaries and the top modules (no sections)', () => {
    const entry = historyEntry({
      commit: '0123456789abcdef0123456789abcdef01234567',
      epoch: 1_765_000_000,
      sizes: [
        { platform: 'linux/amd64', compressed: 2 * MiB },
        { platform: 'linux/arm64', compressed: 2 * MiB - 5 },
      ],
      binaries: [{ platform: 'linux/arm64', size: 4 * MiB }],
      attributed: { platform: 'linux/amd64', binarySize: 3 * MiB, current: attribution },
    });
    expect(entry).toEqual({
      commit: '0123456789ab',
      date: '2025-12-06T05:46:40Z',
      sizes: { 'linux/amd64': 2 * MiB, 'linux/arm64': 2 * MiB - 5 },
      binaries: { 'linux/arm64': 4 * MiB, 'linux/amd64': 3 * MiB },
      modules: { std: 900 * KiB, 'github.com/a/big': 300 * KiB, 'example.com/hello': 20 * KiB },
    });
  });

  it('has no date when the commit time is unknown', () => {
    expect(historyEntry({ commit: '', epoch: 0, sizes: [{ platform: 'linux/amd64', compressed: 1 }] })).toEqual({ commit: '', date: '', sizes: { 'linux/amd64': 1 } });
  });
});

describe('the next history', () => {
  it('appends this build and keeps the last N', () => {
    const previous = ['a', 'b', 'c'].map((c, i) => build(c, i));
    expect(nextHistory(previous, build('d', 9), 3).map((e) => e.commit)).toEqual(['b', 'c', 'd']);
    expect(nextHistory(undefined, build('d', 9), 30).map((e) => e.commit)).toEqual(['d']);
    expect(nextHistory(previous, build('d', 9), 0)).toEqual([]);
  });

  it('replaces the last entry when the same commit is built again, so a re-run stores the same bytes', () => {
    const once = nextHistory([build('a', 1)], build('b', 2), 30);
    expect(nextHistory(once, build('b', 2), 30)).toEqual(once);
  });

  it('reads a stored history defensively', () => {
    expect(parseHistory('nope')).toBeUndefined();
    expect(parseHistory([null, { commit: 'a' }, { commit: 'b', date: 3, sizes: { 'linux/amd64': 10, bad: -1 }, modules: { std: 'x' } }])).toEqual([
      { commit: 'b', date: '', sizes: { 'linux/amd64': 10 } },
    ]);
  });

  it('round-trips through the stored report, and a report of an earlier version has none', () => {
    const history = [build('a', 1), build('b', 2, { binaries: { 'linux/amd64': 5 }, modules: { std: 4 } })];
    expect(parseStoredReport(serializeStoredReport(undefined, undefined, history))).toEqual({ version: 1, history });
    expect(parseStoredReport(serializeStoredReport({ platform: 'linux/amd64', binarySize: 1, current: attribution }, undefined))?.history).toBeUndefined();
  });
});

describe('the history of a merged index', () => {
  it('is the legs\' common history with every leg\'s sizes in this build\'s entry', () => {
    const earlier = { commit: 'a', date: '', sizes: { 'linux/amd64': 10, 'linux/arm64': 11 } };
    const amd = [earlier, build('b', 20, { binaries: { 'linux/amd64': 50 }, modules: { std: 40 } })];
    const arm = [earlier, { commit: 'b', date: '2026-12-05T10:00:00Z', sizes: { 'linux/arm64': 21 }, binaries: { 'linux/arm64': 51 } }];
    expect(mergeHistories([amd, arm])).toEqual([
      earlier,
      { commit: 'b', date: '2026-12-05T10:00:00Z', sizes: { 'linux/amd64': 20, 'linux/arm64': 21 }, binaries: { 'linux/amd64': 50, 'linux/arm64': 51 }, modules: { std: 40 } },
    ]);
    // Key order as a single run with both platforms writes it: the merged index's digest is that run's.
    expect(Object.keys(mergeHistories([amd, arm])!.at(-1)!.binaries!)).toEqual(['linux/amd64', 'linux/arm64']);
    const merged = parseStoredReport(mergeStoredReports([serializeStoredReport(undefined, undefined, amd), serializeStoredReport(undefined, undefined, arm)]));
    expect(merged?.history?.at(-1)?.sizes).toEqual({ 'linux/amd64': 20, 'linux/arm64': 21 });
  });

  it('keeps no history when no leg has one (an earlier version, or not the default branch)', () => {
    expect(mergeHistories([undefined, undefined])).toBeUndefined();
  });
});

const fiveBuilds = ['c1', 'c2', 'c3', 'c4', 'c5'].map((commit, i) => ({
  commit: `${commit}00000000`,
  date: '',
  sizes: { 'linux/amd64': 2 * MiB + i * 100 * KiB, 'linux/arm64': 2 * MiB - 50 * KiB + i * 90 * KiB },
}));
const pr = { commit: 'ffff', date: '', sizes: { 'linux/amd64': 2 * MiB + 450 * KiB, 'linux/arm64': 2 * MiB + 350 * KiB } };

describe('the chart', () => {
  it('draws the last builds and the pull request\'s image, marked PR, one line per platform', () => {
    const history = historyPoints(fiveBuilds, pr, { limit: 30, records: false }, true)!;
    expect(history.points.map((p) => p.label)).toEqual(['c100000', 'c200000', 'c300000', 'c400000', 'c500000', 'PR']);
    const chart = historyChart(history)!;
    expect(chart.split('\n')).toEqual([
      '```mermaid',
      '%%{init: {"xyChart": {"width": 900, "height": 420}, "themeVariables": {"xyChart": {"plotColorPalette": "#0969da, #fb8f44"}}}}%%',
      'xychart-beta',
      '  title "Compressed image size (MiB), last 6 builds"',
      '  x-axis ["c100000", "c200000", "c300000", "c400000", "c500000", "PR"]',
      '  y-axis "MiB" 1.85 --> 2.54',
      '  %% linux/amd64',
      '  line [2, 2.1, 2.2, 2.29, 2.39, 2.44]',
      '  %% linux/arm64',
      '  line [1.95, 2.04, 2.13, 2.21, 2.3, 2.34]',
      '```',
    ]);
  });

  it('on a default-branch build, the build is the history\'s last entry, marked this', () => {
    const history = historyPoints(fiveBuilds.slice(0, 4), fiveBuilds[4]!, { limit: 3, records: true }, false)!;
    expect(history.points.map((p) => p.label)).toEqual(['c300000', 'c400000', 'this']);
  });

  it('starts where every charted platform has a size (a platform added later)', () => {
    const withNewPlatform = { ...pr, sizes: { ...pr.sizes, 'linux/riscv64': MiB } };
    const history = historyPoints([...fiveBuilds.slice(0, 3), { ...fiveBuilds[3]!, sizes: { ...fiveBuilds[3]!.sizes, 'linux/riscv64': MiB } }], withNewPlatform, { limit: 30, records: false }, true)!;
    expect(historyChart(history)).toContain('x-axis ["c400000", "PR"]');
  });

  it('needs two points; history 0 shows nothing', () => {
    expect(historyChart(historyPoints(undefined, pr, { limit: 30, records: false }, true)!)).toBeUndefined();
    expect(historySection(historyPoints(undefined, pr, { limit: 30, records: false }, true))).toEqual([]);
    expect(historyPoints(fiveBuilds, pr, { limit: 0, records: false }, true)).toBeUndefined();
  });

  it('uses KiB for small images', () => {
    const small = historyPoints([build('a', 900 * KiB)], build('b', 950 * KiB), { limit: 30, records: false }, true)!;
    expect(historyChart(small)).toContain('y-axis "KiB"');
  });
});

describe('the text line', () => {
  it('gives min, max and the change over the window per platform', () => {
    const lines = historyTextLines(historyPoints(fiveBuilds, pr, { limit: 30, records: false }, true)!);
    expect(lines).toEqual([
      'linux/amd64: min 2.00 MiB (`c100000`), max 2.44 MiB (PR), change over 6 builds ▲ +450.0 KiB (+21.97%); largest jump ▲ +100.0 KiB at `c200000`.',
      'linux/arm64: min 1.95 MiB (`c100000`), max 2.34 MiB (PR), change over 6 builds ▲ +400.0 KiB (+20.02%); largest jump ▲ +90.00 KiB at `c200000`.',
    ]);
  });

  it('names the module that explains most of the largest jump', () => {
    const before = build('a', 2 * MiB, { binaries: { 'linux/amd64': 5 * MiB }, modules: { std: 3 * MiB, 'example.com/x': 100 * KiB, 'github.com/c/d': 50 * KiB } });
    const after = build('b', 3 * MiB, { binaries: { 'linux/amd64': 7 * MiB }, modules: { std: 3 * MiB, 'github.com/new/huge': 2 * MiB - 10 * KiB, 'example.com/x': 100 * KiB } });
    expect(explainingModule(before, after, 'linux/amd64')).toEqual({ module: 'github.com/new/huge', bytes: 2 * MiB - 60 * KiB });
    const [line] = historyTextLines(historyPoints([before], after, { limit: 30, records: true }, false)!);
    expect(line).toContain('largest jump ▲ +1.00 MiB at this (`github.com/new/huge` ▲ +1.94 MiB)');
  });

  it('names no module when none explains more than half of the growth', () => {
    const before = build('a', 2 * MiB, { binaries: { 'linux/amd64': 5 * MiB }, modules: { std: 3 * MiB } });
    const after = build('b', 3 * MiB, { binaries: { 'linux/amd64': 7 * MiB }, modules: { std: 3 * MiB + 100 * KiB } });
    expect(explainingModule(before, after, 'linux/amd64')).toBeUndefined();
  });

  it('the section holds the chart, its legend and the lines', () => {
    const section = historySection(historyPoints(fiveBuilds, pr, { limit: 30, records: false }, true)).join('\n');
    expect(section).toContain('```mermaid\n');
    expect(section).toContain("🟦 linux/amd64 · 🟧 linux/arm64 — `PR` is this pull request's image (not kept in the history).");
    expect(section).toContain('- linux/amd64: min 2.00 MiB');
  });
});

describe('what the history costs in the stored report', () => {
  it('30 builds of two platforms with their top modules stay under 8 KB of JSON', () => {
    const sha = (i: number) => createHash('sha1').update(String(i)).digest('hex');
    let history: HistoryEntry[] = [];
    for (let i = 0; i < 30; i++) {
      const entry = historyEntry({
        commit: sha(i),
        epoch: 1_765_000_000 + i * 86_400,
        sizes: [
          { platform: 'linux/amd64', compressed: 2_567_890 + i * 1_234 },
          { platform: 'linux/arm64', compressed: 2_345_678 + i * 1_234 },
        ],
        binaries: [
          { platform: 'linux/amd64', size: 6_543_210 + i * 4_321 },
          { platform: 'linux/arm64', size: 6_123_456 + i * 4_321 },
        ],
        attributed: { platform: 'linux/amd64', binarySize: 6_543_210, current: attribution },
      });
      history = nextHistory(history, entry, 30);
    }
    const bytes = JSON.stringify(history).length;
    console.log(`history of 30 builds, 2 platforms: ${bytes} bytes (${Math.round(bytes / 30)} per build)`);
    expect(history).toHaveLength(30);
    expect(bytes).toBeLessThan(8_000);
  });
});

describe('the sparkline', () => {
  it('maps the lowest value to ▁ and the highest to █', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 5])).toBe('▄▄');
    expect(sparkline([])).toBe('');
  });
});
