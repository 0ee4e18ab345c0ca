import { describe, expect, it } from '@jest/globals';

interface Run { workload: string; contender: string; scenario: string; rep: number; seconds?: number; sizes?: Record<string, number>; pushed?: number; skipped?: string; compressSeconds?: number; compressLevel?: number; engine?: string }
interface Cell { workload: string; contender: string; scenario: string; seconds?: { median: number; min: number; max: number; n: number }; timeRatio?: number; sizeRatio?: Record<string, number> }
interface Result {
  date: string; durationSeconds: number; complete?: boolean; command: string;
  machine: Record<string, unknown>; versions: Record<string, string>;
  options: { workloads: string[]; scenarios: string[]; reps: Record<string, number>; smoke: boolean };
  workloads: Record<string, { label: string; size: string; main: string }>;
  contenders: Record<string, string>; restoredGoCacheBytes: Record<string, number>; runs: Run[]; summary?: Cell[];
  pooledFrom?: { date: string; command: string }[];
}

// @ts-expect-error: a plain .mjs script with no type declarations
const report = (await import('../../scripts/bench/report.mjs')) as {
  summarize: (r: Result) => Cell[];
  renderMarkdown: (r: Result) => string;
  changeTarget: (r: Result, workload: string) => { seconds: number; goBuild: number; compress: number; level?: number; over: number; met: boolean } | undefined;
};
// @ts-expect-error: a plain .mjs script with no type declarations
const merge = (await import('../../scripts/bench/merge.mjs')) as { poolResults: (r: Result[]) => Result };

const machine = { cores: 2, cpu: 'test cpu', memoryGiB: 24, os: 'Linux x64' };
const versions = { goSlimImage: '0.1.0 (abc1234)', go: 'go1.26.8', buildx: 'v0.38.2', buildkit: 'v0.34.2', ko: 'v0.19.1', crane: 'v0.22.1', docker: '28.2.2', node: 'v20' };

/** A run of the floor and go-slim-image on one workload, cold only, with the given seconds per repetition. */
function result(date: string, workload: string, oursSeconds: number[], extra: Partial<Result> = {}): Result {
  const runs: Run[] = [];
  oursSeconds.forEach((seconds, i) => {
    runs.push({ workload, contender: 'floor', scenario: 'cold', rep: i + 1, seconds: 10, sizes: { 'linux/amd64': 1000 } });
    runs.push({ workload, contender: 'go-slim-image', scenario: 'cold', rep: i + 1, seconds, sizes: { 'linux/amd64': 1050 }, pushed: 2000 });
  });
  const r: Result = {
    date, durationSeconds: 600, command: `npm run bench -- --workloads ${workload} --reps ${oursSeconds.length}`, machine, versions,
    options: { workloads: [workload], scenarios: ['cold'], reps: { [workload]: oursSeconds.length }, smoke: false },
    workloads: { [workload]: { label: workload, size: 'test', main: '.' } },
    contenders: { floor: 'floor: go build + gzip -9', 'go-slim-image': 'go-slim-image (prebuilt)' },
    restoredGoCacheBytes: {}, runs, ...extra,
  };
  r.summary = report.summarize(r);
  return r;
}

describe('bench report', () => {
  it('gives median, min, max and the ratio to the floor', () => {
    const cell = result('2026-11-27T10:00:00Z', 'caddy', [30, 20, 25]).summary!.find((c) => c.contender === 'go-slim-image')!;
    expect(cell.seconds).toEqual({ median: 25, min: 20, max: 30, n: 3 });
    expect(cell.timeRatio).toBe(2.5);
    expect(cell.sizeRatio).toEqual({ 'linux/amd64': 1.05 });
  });

  it('says when a run stopped before all its repetitions', () => {
    const md = report.renderMarkdown(result('2026-11-27T10:00:00Z', 'caddy', [30], { complete: false }));
    expect(md).toContain('stopped early');
    expect(md).toContain('Reproduce: `npm run bench -- --workloads caddy --reps 1`');
  });
});

/** A one-line change: the floor's go build and compression alone, and the default contender (direct). */
function changeRun(oursSeconds: number[], floorSeconds: number[], compressSeconds: number[]): Result {
  const runs: Run[] = oursSeconds.flatMap((seconds, i) => [
    { workload: 'hello', contender: 'floor', scenario: 'change', rep: i + 1, seconds: floorSeconds[i], compressSeconds: compressSeconds[i], compressLevel: 10, sizes: { 'linux/amd64': 1000 } },
    { workload: 'hello', contender: 'go-slim-image', scenario: 'change', rep: i + 1, seconds, engine: 'direct', sizes: { 'linux/amd64': 1050 }, pushed: 2000 },
  ]);
  const r = result('2026-12-06T00:00:00Z', 'hello', [], { runs, options: { workloads: ['hello'], scenarios: ['change'], reps: { hello: runs.length / 2 }, smoke: false } });
  r.summary = report.summarize(r);
  return r;
}

describe('one-line change target', () => {
  it('is the default contender minus the median go build and compression measured alone', () => {
    const r = changeRun([2.0, 2.2, 2.1], [1.5, 1.4, 1.6], [0.2, 0.3, 0.25]);
    const target = report.changeTarget(r, 'hello')!;
    expect(target).toMatchObject({ seconds: 2.1, goBuild: 1.5, compress: 0.25, level: 10, met: false });
    expect(target.over).toBeCloseTo(0.35, 5);
    const md = report.renderMarkdown(r);
    expect(md).toContain('2.10 s − (go build 1.50 s + compression at level 10 0.25 s) = **0.35 s** over, target not met');
    expect(md).toContain('(used direct)');
  });

  it('is met at 0.3 s or less and absent without the floor\'s compression', () => {
    expect(report.changeTarget(changeRun([1.9], [1.5], [0.2]), 'hello')).toMatchObject({ met: true });
    expect(report.changeTarget(result('2026-12-06T00:00:00Z', 'hello', [3]), 'hello')).toBeUndefined();
  });
});

describe('poolResults', () => {
  it('pools repetitions of the same code and tools, renumbering them per workload', () => {
    const pooled = merge.poolResults([
      result('2026-11-27T10:00:00Z', 'caddy', [30]),
      result('2026-11-28T10:00:00Z', 'caddy', [20, 25]),
      result('2026-11-28T12:00:00Z', 'hello', [3, 4, 5]),
    ]);
    expect(pooled.options.reps).toEqual({ caddy: 3, hello: 3 });
    expect(pooled.runs.filter((r) => r.workload === 'caddy' && r.contender === 'floor').map((r) => r.rep)).toEqual([1, 2, 3]);
    expect(pooled.summary!.find((c) => c.workload === 'caddy' && c.contender === 'go-slim-image')!.seconds).toEqual({ median: 25, min: 20, max: 30, n: 3 });
    const md = report.renderMarkdown(pooled);
    expect(md).toContain('pooled from 3 runs of the same code and tools');
    expect(md).toContain('`npm run bench -- --workloads caddy --reps 1`, `npm run bench -- --workloads caddy --reps 2`');
    expect(md).toContain('### caddy');
    expect(md).toContain('### hello');
  });

  it.each([
    ['versions', { versions: { ...versions, goSlimImage: '0.1.0 (def5678)' } }, /differ in versions/],
    ['machine', { machine: { ...machine, cores: 4 } }, /differ in machine/],
  ])('refuses runs whose %s differ', (_what, extra, message) => {
    expect(() => merge.poolResults([result('2026-11-27T10:00:00Z', 'caddy', [30]), result('2026-11-28T10:00:00Z', 'caddy', [20], extra)])).toThrow(message);
  });

  it('refuses runs of different scenarios', () => {
    const other = result('2026-11-28T10:00:00Z', 'caddy', [20]);
    other.options.scenarios = ['cold', 'multi'];
    expect(() => merge.poolResults([result('2026-11-27T10:00:00Z', 'caddy', [30]), other])).toThrow(/different scenarios/);
  });
});
