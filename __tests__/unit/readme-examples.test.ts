import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse, parseDocument } from 'yaml';
import { Inputs, type InputSpec } from '../../src/inputs.js';

/**
 * Every YAML example of the user docs is a complete workflow a reader can copy: it parses, has a
 * trigger, permissions and jobs whose steps each run or use something, and every step that uses this
 * action passes only inputs action.yml declares (with a value the input takes, where the type says).
 */
const DOCS = ['README.md', 'CONTRIBUTING.md', 'docs/benchmarks.md'];
const THIS_ACTION = /^(go-slim-image\/go-slim-image@\S+|\.\/?)$/;
/** How far down README.md the first complete workflow may start: the first screen. */
const FIRST_SCREEN_LINES = 40;

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const action = parse(read('action.yml')) as { inputs: Record<string, { required?: boolean }> };
const specs = new Map<string, InputSpec>(Object.values(Inputs).map((spec) => [spec.name, spec]));

interface Example {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
}

function examples(file: string): Example[] {
  const found: Example[] = [];
  const lines = read(file).split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```ya?ml\s*$/.test(lines[i]!)) continue;
    const indent = /^\s*/.exec(lines[i]!)![0].length;
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    found.push({ file, line: i + 1, text: lines.slice(i + 1, end).map((l) => l.slice(indent)).join('\n') });
    i = end;
  }
  return found;
}

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { 'runs-on'?: unknown; uses?: string; steps?: Step[]; permissions?: unknown };
type Workflow = { on?: unknown; permissions?: unknown; jobs?: Record<string, Job> };

/** What is wrong with one example as a workflow; empty when nothing is. */
function problems(example: Example): string[] {
  const document = parseDocument(example.text);
  if (document.errors.length > 0) return document.errors.map((e) => `YAML: ${e.message}`);
  const workflow = document.toJS() as Workflow;
  const found: string[] = [];
  if (typeof workflow !== 'object' || workflow === null) return ['not a mapping'];
  if (workflow.on === undefined) found.push('no on:');
  const jobs = Object.entries(workflow.jobs ?? {});
  if (jobs.length === 0) found.push('no jobs:');
  for (const [name, job] of jobs) {
    if (workflow.permissions === undefined && job.permissions === undefined) found.push(`job ${name}: no permissions: (for the workflow or the job)`);
    if (job.uses) continue;
    if (job['runs-on'] === undefined) found.push(`job ${name}: no runs-on:`);
    const steps = job.steps ?? [];
    if (steps.length === 0) found.push(`job ${name}: no steps:`);
    for (const step of steps) {
      if (!step.uses && !step.run) found.push(`job ${name}: a step with neither uses: nor run:`);
      if (!step.uses || !THIS_ACTION.test(step.uses)) continue;
      const inputs = step.with ?? {};
      for (const [key, value] of Object.entries(inputs)) {
        const spec = specs.get(key);
        if (!(key in action.inputs) || !spec) {
          found.push(`job ${name}: with: ${key} is not an input of action.yml`);
          continue;
        }
        const text = String(value);
        if (text.includes('${{')) continue;
        const accepted = spec.type === 'boolean' ? ['true', 'false'] : Array.isArray(spec.type) ? spec.type : undefined;
        if (accepted && !accepted.includes(text)) found.push(`job ${name}: with: ${key}: ${text} is not one of ${accepted.join(', ')}`);
      }
      for (const [key, input] of Object.entries(action.inputs)) if (input.required && !(key in inputs)) found.push(`job ${name}: the required input ${key} is missing`);
    }
  }
  return found;
}

const all = DOCS.flatMap(examples);

describe('the YAML examples of the docs', () => {
  it('has examples to check', () => {
    expect(all.filter((e) => e.file === 'README.md').length).toBeGreaterThanOrEqual(5);
  });

  it.each(all.map((e) => [`${e.file}:${e.line}`, e] as const))('%s is a complete workflow with known inputs', (_where, example) => {
    expect(problems(example)).toEqual([]);
  });

  it(`starts README.md's first complete workflow within its first ${FIRST_SCREEN_LINES} lines, with a checkout and this action`, () => {
    const first = examples('README.md')[0]!;
    expect(first.line).toBeLessThanOrEqual(FIRST_SCREEN_LINES);
    const steps = Object.values((parse(first.text) as Workflow).jobs ?? {}).flatMap((job) => job.steps ?? []);
    expect(steps.map((s) => s.uses?.replace(/@.*/, ''))).toEqual(expect.arrayContaining(['actions/checkout', 'go-slim-image/go-slim-image']));
  });

  it.each(DOCS)('%s links only to headings it has', (file) => {
    const text = read(file).replace(/```[\s\S]*?```/g, '');
    // GitHub's heading ids: lower case, punctuation other than - and _ dropped, spaces as -.
    const slugs = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
    const anchors = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(anchors.filter((anchor) => !slugs.has(anchor))).toEqual([]);
  });

  it('finds what a broken example gets wrong', () => {
    const broken = { file: 'x.md', line: 1, text: 'jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: go-slim-image/go-slim-image@v0\n        with: { platfroms: linux/amd64, engine: docker }\n' };
    expect(problems(broken)).toEqual([
      'no on:',
      'job a: no permissions: (for the workflow or the job)',
      'job a: with: platfroms is not an input of action.yml',
      'job a: with: engine: docker is not one of auto, buildx, direct',
      'job a: the required input image is missing',
    ]);
  });
});
