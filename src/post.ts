import * as core from '@actions/core';
import { errorMessage } from './errors.js';
import { removeBuilder } from './image/builder.js';
import { State } from './inputs.js';

/** The post step: clean up what main left behind. It never fails the job. */
export async function post(): Promise<void> {
  try {
    const builder = core.getState(State.builderToRemove);
    if (builder) {
      await removeBuilder(builder);
      core.info(`Removed the builder ${builder}`);
    }
  } catch (error) {
    core.warning(`Post step: ${errorMessage(error)}`);
  }
}
