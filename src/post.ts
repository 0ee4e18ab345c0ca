import * as core from '@actions/core';
import { errorMessage } from './errors.js';
import { parseCacheState, saveGoCaches, type CacheSaveMode } from './go/caches.js';
import { execCommand } from './exec.js';
import { removeBuilder } from './image/builder.js';
import { State } from './inputs.js';

/** The post step: save the Go caches, clean up what main left behind. It never fails the job. */
export async function post(): Promise<void> {
  try {
    const caches = parseCacheState(core.getState(State.goCaches));
    if (caches) {
      await core.group('Saving Go caches', () =>
        saveGoCaches(caches, core, { eventName: process.env.GITHUB_EVENT_NAME ?? '', saveMode: (core.getState(State.cacheSave) || 'auto') as CacheSaveMode }),
      );
    }
  } catch (error) {
    core.warning(`Post step: ${errorMessage(error)}`);
  }
  try {
    const builder = core.getState(State.builderToRemove);
    if (builder) {
      await removeBuilder(builder, execCommand);
      core.info(`Removed the builder ${builder}`);
    }
  } catch (error) {
    core.warning(`Post step: ${errorMessage(error)}`);
  }
}
