import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import { errorAnnotations, runStep } from '../helpers/action.js';
import { BAD_INPUTS, type BadInput } from '../helpers/bad-inputs.js';
import { helloWorkspace, stack, type Stack } from '../helpers/stack.js';

/**
 * Bad inputs through the bundled action. The step must fail fast (before Go is set up, anything
 * compiled or built) with exactly one error naming the input, the value and what is accepted.
 */

/**
 * The cases only the running action finds (buildx, a file check before Go is set up), and a few that
 * parseConfig refuses, end to end: every case of the shared table runs through parseConfig in
 * __tests__/unit/config-bad-input.test.ts.
 */
const END_TO_END = new Set(['image=', 'platforms=linux/amd65', 'working-directory=../..', 'secrets=(no id)']);
const endToEnd = (c: BadInput) => END_TO_END.has(`${c.input}=${c.value}`);
const CASES = BAD_INPUTS.filter(([, c]) => c.runtime || endToEnd(c));

const FORBIDDEN_PROGRESS = ['Setting up Go', 'Compiling', 'Building the image', 'Pushing the image'];
/** The step must fail within a second; the slack covers starting node on a loaded 2-core machine. */
const LIMIT_MS = 1_000;
const PROCESS_START_SLACK_MS = 1_000;

describe('bad inputs fail the step fast with one message, end to end', () => {
  let s: Stack;
  let workspace: string;
  const timings: { name: string; ms: number }[] = [];

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
  });

  afterAll(async () => {
    timings.sort((a, b) => b.ms - a.ms);
    const median = timings[Math.floor(timings.length / 2)]?.ms ?? 0;
    console.log(`bad-input table: ${timings.length} cases, median ${median} ms, slowest ${timings.slice(0, 3).map((t) => `${t.name} ${t.ms} ms`).join('; ')}`);
    await fs.rm(workspace, { recursive: true, force: true });
  });

  it('runs every end-to-end case it names', () => {
    expect(CASES.filter(([, c]) => endToEnd(c))).toHaveLength(END_TO_END.size);
  });

  const check = async (name: string, c: BadInput) => {
    const started = Date.now();
    const run = await runStep('main', {
      workspace,
      inputs: { image: `${s.registry}/bad/input`, 'working-directory': 'examples/hello', builder: s.builder, ...(c.set ?? { [c.input]: c.value }) },
      env: s.env,
    });
    const ms = Date.now() - started;
    timings.push({ name, ms });

    expect(run.exitCode).toBe(1);
    const errors = errorAnnotations(run);
    expect(errors).toHaveLength(1);
    const message = errors[0]!;
    if (c.message) {
      expect(message).toMatch(c.message);
    } else {
      expect(message.startsWith(`Input '${c.input}' has an invalid value ${JSON.stringify(c.value)}: expected `)).toBe(true);
    }
    expect(message).toMatch(c.accepted);
    for (const line of FORBIDDEN_PROGRESS) expect(run.stdout).not.toContain(line);
    expect(run.outputs).toEqual({});
    if (c.hidden) expect(`${run.stdout}${run.stderr}`).not.toContain(c.hidden);
    expect(ms).toBeLessThan(LIMIT_MS + PROCESS_START_SLACK_MS);
  };

  it.each(CASES)('%s', check, 30_000);
});
