import * as core from '@actions/core';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ActionError, errorMessage } from './errors.js';
import { parseCacheState, saveGoCaches, type CacheSaveMode } from './go/caches.js';
import { execCommand } from './exec.js';
import { removeBuilder } from './image/builder.js';
import { State } from './inputs.js';

/** The folder main writes the build context, the OCI layout and the metadata to (see main.ts). */
const WORK_DIR_PREFIX = 'go-slim-image-';

/**
 * Deletes main's work folder. Only a folder named like one main makes is touched, whatever the
 * state says; one left read-only (a copied module cache) is made writable first.
 */
export async function removeWorkDir(dir: string): Promise<boolean> {
  if (!path.isAbsolute(dir) || !path.basename(dir).startsWith(WORK_DIR_PREFIX)) {
    throw new ActionError(`Not removing ${JSON.stringify(dir)}: it is not a work folder of this action (${WORK_DIR_PREFIX}* in RUNNER_TEMP).`);
  }
  const exists = await fs.lstat(dir).then(() => true, () => false);
  if (!exists) return false;
  try {
    await fs.rm(dir, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES' && (error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    await makeWritable(dir);
    await fs.rm(dir, { recursive: true, force: true });
  }
  return true;
}

async function makeWritable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755).catch(() => undefined);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeWritable(path.join(dir, entry.name));
  }
}

/**
 * The post step: save the Go caches, clean up what main left behind (the builder it created, its
 * work folder). Each part runs whatever happened to the others; it never fails the job. Exported
 * as `run`, like main, for runners that import the module and call it (@github/local-action).
 */
export async function run(): Promise<void> {
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
  try {
    const workDir = core.getState(State.workDir);
    if (workDir && (await removeWorkDir(workDir))) core.info(`Removed the work folder ${workDir}`);
  } catch (error) {
    core.warning(`Post step: the work folder was not removed: ${errorMessage(error)}`);
  }
}
