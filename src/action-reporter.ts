import * as core from '@actions/core';
import type { Reporter } from './reporter.js';

/** Reports to the Actions runner: log groups, annotations, masking, the job summary, state. */
export const actionReporter: Reporter = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  group: (title, task) => core.group(title, task),
  setSecret: (value) => core.setSecret(value),
  addSummary: async (markdown) => {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    await core.summary.addRaw(markdown, true).write();
  },
  saveState: (name, value) => core.saveState(name, value),
  exportVariable: (name, value) => core.exportVariable(name, value),
  addPath: (dir) => core.addPath(dir),
};
