import { execCommand, type ExecOptions, type ExecResult } from './exec.js';
import { upsertComment } from './github/comments.js';
import { actionsAttestSigner, type Signer } from './attest/signer.js';
import { credentialChain } from './image/credentials.js';
import { RegistryClient, type Registry } from './image/registry.js';
import { idleTimeoutFromEnv } from './timed-fetch.js';
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
  registry: Registry;
  github: GitHubApi;
  /** Milliseconds, for the phase timings the summary reports. */
  clock: () => number;
  /** Signs attestations when the job may (id-token: write). */
  signer: Signer;
}

export interface ToolOptions {
  /** The `github-token` input: the registry login of last resort for ghcr.io on GitHub Actions. */
  githubToken?: string;
  env?: NodeJS.ProcessEnv;
}

/** The real tools: commands, the registry and GitHub, with every credential masked through the reporter. */
export function defaultTools(reporter: Reporter, options: ToolOptions = {}): Tools {
  const env = options.env ?? process.env;
  const mask = (value: string) => reporter.setSecret(value);
  const credentials = credentialChain({
    run: execCommand,
    env,
    mask,
    warn: (message) => reporter.warning(message),
    ...(options.githubToken ? { githubToken: options.githubToken } : {}),
  });
  return {
    reporter,
    exec: execCommand,
    registry: new RegistryClient({ credentials, maskSecret: mask, log: (message) => reporter.info(message), idleTimeoutMs: idleTimeoutFromEnv(env) }),
    github: { upsertComment },
    clock: Date.now,
    signer: actionsAttestSigner(process.env),
  };
}
