import { execCommand, type ExecOptions, type ExecResult } from './exec.js';
import { upsertComment } from './github/comments.js';
import { actionsAttestSigner, type Signer } from './attest/signer.js';
import { RegistryClient } from './image/registry.js';
import type { Reporter } from './reporter.js';

/** Runs an external command (argv, no shell); src/exec.ts is the real one. */
export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** The GitHub REST calls the run makes. */
export interface GitHubApi {
  upsertComment: typeof upsertComment;
}

/**
 * Every side effect of a run, built once at the entry point (action, post step, CLI) and passed in,
 * so the orchestration can be tested with small recording fakes of it.
 */
export interface Tools {
  reporter: Reporter;
  exec: Exec;
  registry: RegistryClient;
  github: GitHubApi;
  /** Milliseconds, for the phase timings the summary reports. */
  clock: () => number;
  /** Signs attestations when the job may (id-token: write). */
  signer: Signer;
}

/** The real tools: commands, the registry and GitHub, with every credential masked through the reporter. */
export function defaultTools(reporter: Reporter): Tools {
  return {
    reporter,
    exec: execCommand,
    registry: new RegistryClient({ maskSecret: (value) => reporter.setSecret(value) }),
    github: { upsertComment },
    clock: Date.now,
    signer: actionsAttestSigner(process.env),
  };
}
