import { actionsAttestSigner } from './attest/signer.js';
import { execCommand } from './exec.js';
import { upsertComment } from './github/comments.js';
import { credentialChain } from './image/credentials.js';
import { RegistryClient } from './image/registry.js';
import type { Reporter } from './reporter.js';
import { idleTimeoutFromEnv } from './timed-fetch.js';
import type { Tools } from './tools.js';

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
