import * as core from '@actions/core';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { actionReporter } from './action-reporter.js';
import { parseConfig } from './config.js';
import { failureMessage, withStages } from './errors.js';
import { Inputs, State } from './inputs.js';
import { runPipeline } from './pipeline.js';

/** The action's main step: parse every input once, run the pipeline, fail the step on any error. */
export async function run(): Promise<void> {
  const reporter = withStages(actionReporter);
  let workDir: string | undefined;
  try {
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const token = core.getInput(Inputs.githubToken.name);
    if (token) core.setSecret(token);
    const config = parseConfig((name) => core.getInput(name), workspace);
    workDir = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `go-slim-image-${randomBytes(4).toString('hex')}`);
    core.saveState(State.workDir, workDir);
    await runPipeline(config, { workDir, env: process.env, workingDirectoryInput: core.getInput(Inputs.workingDirectory.name) || '.' }, reporter);
  } catch (error) {
    core.setFailed(failureMessage(error, { stage: reporter.stage(), workDir }));
  }
}
