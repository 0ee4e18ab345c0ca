import * as core from '@actions/core';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { actionReporter } from './action-reporter.js';
import { announceConfig, parseConfig } from './config.js';
import { withStages } from './errors.js';
import { failureMessage } from './failure.js';
import { Inputs, State } from './inputs.js';
import { writeOutputs } from './outputs.js';
import { runPipeline } from './pipeline.js';
import { defaultTools } from './default-tools.js';

/** The action's main step: parse every input once, run the pipeline, set its outputs, fail the step on any error. */
export async function run(): Promise<void> {
  // Remembers the running log group, so a failure (a full disk, say) can name the stage it hit.
  const reporter = withStages(actionReporter);
  const token = core.getInput(Inputs.githubToken.name);
  if (token) reporter.setSecret(token);
  // The token is also the ghcr.io login of last resort (src/image/credentials.ts).
  const tools = defaultTools(reporter, { githubToken: token });
  let workDir: string | undefined;
  const fail = (error: unknown) => core.setFailed(failureMessage(error, { stage: reporter.stage(), workDir }));
  try {
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const config = parseConfig((name) => core.getInput(name), workspace);
    announceConfig(config, reporter);
    workDir = path.join(process.env.RUNNER_TEMP || os.tmpdir(), `go-slim-image-${randomBytes(4).toString('hex')}`);
    // The post step removes it, whether this step passes or fails.
    reporter.saveState(State.workDir, workDir);
    const result = await runPipeline(config, { workDir, env: process.env, workingDirectoryInput: core.getInput(Inputs.workingDirectory.name) || '.' }, tools);
    writeOutputs(result.outputs, (name, value) => core.setOutput(name, value));
    if (result.failure !== undefined) fail(result.failure);
  } catch (error) {
    fail(error);
  }
}
