import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ActionError, errorMessage } from './errors.js';
import { CACHE_SAVE_MODES, parseCacheState, saveGoCaches, type CacheSaveMode, type CacheState } from './go/caches.js';
import { removeBuilder } from './image/builder.js';
import { Inputs, State } from './inputs.js';
import type { Tools } from './tools.js';

/** The folder main writes the build context, the OCI layout and the metadata to (see main.ts). */
const WORK_DIR_PREFIX = 'go-slim-image-';

/** What main left for the post step, parsed and checked. */
export interface PostState {
  /** The Go caches main restored, with the mode to save them in; absent when there is nothing to save. */
  caches?: { state: CacheState; saveMode: CacheSaveMode };
  /** A builder main created. */
  builder?: string;
  /** main's work folder. */
  workDir?: string;
}

/** Reads the saved state (pure but for `warn`): an unknown cache-save value warns and skips the save, never guessed. */
export function parsePostState(read: (name: string) => string, warn: (message: string) => void): PostState {
  const state: PostState = {};
  const caches = parseCacheState(read(State.goCaches));
  const saveMode = read(State.cacheSave) || 'auto';
  if (caches && (CACHE_SAVE_MODES as readonly string[]).includes(saveMode)) state.caches = { state: caches, saveMode: saveMode as CacheSaveMode };
  else if (caches) warn(`Go caches: not saved, the saved ${Inputs.cacheSave.name} value ${JSON.stringify(saveMode)} is not one of ${CACHE_SAVE_MODES.join(', ')}.`);
  const builder = read(State.builderToRemove);
  if (builder) state.builder = builder;
  const workDir = read(State.workDir);
  if (workDir) state.workDir = workDir;
  return state;
}

/**
 * The post step, shared by the action's post and the CLI's end of run: save the Go caches, remove
 * the builder main created and its work folder. Each part runs whatever happened to the others; it
 * never throws.
 */
export async function runPostStep(read: (name: string) => string, env: NodeJS.ProcessEnv, tools: Pick<Tools, 'reporter' | 'exec'>): Promise<void> {
  const { reporter } = tools;
  const state = parsePostState(read, (message) => reporter.warning(message));
  const step = async (what: string, task: () => Promise<void>) => task().catch((error: unknown) => reporter.warning(`Post step: ${what}: ${errorMessage(error)}`));
  if (state.caches) {
    const { state: caches, saveMode } = state.caches;
    await step('saving the Go caches', () => reporter.group('Saving Go caches', async () => void (await saveGoCaches(caches, reporter, { eventName: env.GITHUB_EVENT_NAME ?? '', saveMode }))));
  }
  const builder = state.builder;
  if (builder) {
    await step(`the builder ${builder} was not removed (remove it with docker buildx rm ${builder})`, async () => {
      await removeBuilder(builder, tools.exec);
      reporter.info(`Removed the builder ${builder}`);
    });
  }
  const workDir = state.workDir;
  if (workDir) {
    await step('the work folder was not removed', async () => {
      if (await removeWorkDir(workDir)) reporter.info(`Removed the work folder ${workDir}`);
    });
  }
}

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
