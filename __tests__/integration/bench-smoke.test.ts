import { describe, expect, it, jest } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, spawnNode } from '../helpers/action.js';
import { stack } from '../helpers/stack.js';

/** The parts of bench/results/*.json this test reads. */
interface BenchResult {
  contenders: Record<string, string>;
  runs: { workload: string; contender: string; scenario: string; seconds?: number; sizes?: Record<string, number>; error?: string; engine?: string; compressSeconds?: number }[];
}

/** Runs the benchmark in smoke mode (examples/hello, one repetition) into its own folder. */
function runBench(out: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return spawnNode(path.join(repoRoot, 'scripts/bench/bench.mjs'), { ...process.env, ...stack().env }, repoRoot, ['--smoke', '--out', out]);
}

jest.setTimeout(900_000);

describe('npm run bench -- --smoke', () => {
  it('measures every contender on examples/hello and writes markdown and JSON', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
    const run = await runBench(out);
    if (run.exitCode !== 0) console.log(run.stderr.split('\n').slice(-40).join('\n'));
    expect(run.exitCode).toBe(0);

    const jsonFile = run.stdout.trim().split('\n').pop()!;
    expect(path.dirname(jsonFile)).toBe(out);
    const result = JSON.parse(await fs.readFile(jsonFile, 'utf8')) as BenchResult;
    const markdown = await fs.readFile(jsonFile.replace(/\.json$/, '.md'), 'utf8');

    expect(Object.keys(result.contenders).sort()).toEqual(['article', 'dockerfile-cross', 'floor', 'go-slim-image', 'go-slim-image-buildx', 'ko', 'ko-size']);
    for (const contender of Object.keys(result.contenders)) {
      const cold = result.runs.find((r) => r.workload === 'hello' && r.contender === contender && r.scenario === 'cold');
      expect({ contender, error: cold?.error }).toEqual({ contender, error: undefined });
      expect(cold?.seconds).toBeGreaterThan(0);
      expect(cold?.sizes?.['linux/amd64']).toBeGreaterThan(0);
      expect(markdown).toContain(result.contenders[contender]!);
    }
    // The default contender names the engine auto picked; the floor times the changed layer's
    // compression alone, and the report holds the one-line change against its target.
    expect(result.runs.find((r) => r.contender === 'go-slim-image' && r.scenario === 'cold')?.engine).toMatch(/^(direct|buildx)$/);
    expect(result.runs.find((r) => r.contender === 'floor' && r.scenario === 'change')?.compressSeconds).toBeGreaterThan(0);
    expect(markdown).toContain('One-line change against its target');
    await fs.rm(out, { recursive: true, force: true });
  });
});
