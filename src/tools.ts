import type { ExecOptions, ExecResult } from './exec.js';
import type { upsertComment } from './github/comments.js';
import type { Registry } from './image/registry.js';
import type { Reporter } from './reporter.js';

/** Runs an external command (argv, no shell); src/exec.ts is the real one. */
export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** The GitHub REST calls the run makes. */
export interface GitHubApi {
  upsertComment: typeof upsertComment;
}

/** What a signer is asked to sign: an in-toto statement over the subjects. */
export interface SignRequest {
  /** registry/repository, the subject's name. */
  subjectName: string;
  /** sha256:… digests the statement is about. */
  subjectDigests: string[];
  predicateType: string;
  predicate: unknown;
}

/** Signs attestations (Sigstore through @actions/attest, src/attest/signer.ts), when the job may. */
export interface Signer {
  /** Why nothing will be signed (no id-token permission): one line for the log, or undefined when it can sign. */
  unavailable(): string | undefined;
  /** A Sigstore bundle (JSON) of an in-toto statement over the subjects. */
  sign(request: SignRequest, githubToken: string): Promise<Buffer>;
}

/**
 * Every side effect of a run, built once at the entry point (action, post step, CLI) and passed in,
 * so the orchestration can be tested with small recording fakes of it.
 */
export interface Tools {
  reporter: Reporter;
  exec: Exec;
  registry: Registry;
  github: GitHubApi;
  /** Milliseconds, for the phase timings the summary reports. */
  clock: () => number;
  /** Signs attestations when the job may (id-token: write). */
  signer: Signer;
}
