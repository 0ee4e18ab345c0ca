import * as core from '@actions/core';
import { actionReporter } from './action-reporter.js';
import { execCommand } from './exec.js';
import { runPostStep } from './post-step.js';

export { removeWorkDir } from './post-step.js';

/**
 * The action's post step: the shared routine (post-step.ts) with the runner's saved state, the
 * action reporter and real commands. Never fails the job. Exported as `run`, like main, for
 * runners that import the module and call it (@github/local-action).
 */
export async function run(): Promise<void> {
  await runPostStep((name) => core.getState(name), process.env, { reporter: actionReporter, exec: execCommand });
}
