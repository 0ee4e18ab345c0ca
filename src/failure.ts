import { explainCgoFailure } from './go/cgo.js';
import { diskFullMessage, diskFullPath, errorMessage, freeSpace, isDiskFull } from './errors.js';

/** What a run was doing when it failed, for messages that need it (see withStages). */
export interface FailureContext {
  /** The log group that was running, or `after <the last one>` between groups. */
  stage?: string;
  /** main's work folder: where the action's own writes go when an error names no path. */
  workDir?: string;
}

/** The message a failed step ends with, plus what to do about the causes that have one obvious fix. */
export function failureMessage(error: unknown, context: FailureContext = {}): string {
  const message = errorMessage(error);
  if (isDiskFull(error)) {
    const file = diskFullPath(error);
    const measured = file ?? context.workDir;
    const free = measured ? freeSpace(measured) : undefined;
    return diskFullMessage({ detail: message, ...(context.stage ? { stage: context.stage } : {}), ...(file ? { path: file } : {}), ...(free ? { free } : {}) });
  }
  return explainCgoFailure(message) ?? message;
}

