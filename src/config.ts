import fs from 'node:fs';
import type { Reporter } from './reporter.js';
import { ignoredInputWarnings, parseImageBuildSettings, parseSourceSettings, refuseIndexAnnotations, type ImageBuildSettings, type SourceSettings } from './config/build.js';
import { parseCacheSettings, type CacheSettings } from './config/cache.js';
import { parseGoRequest, type GoRequest } from './config/go.js';
import { parseImageSettings, type ImageSettings } from './config/image.js';
import { parseOutputSettings, type OutputSettings } from './config/output.js';
import type { Notices } from './config/references.js';
import { parseReportSettings, type ReportSettings } from './config/report.js';
import { parseSecretSettings, type SecretSettings } from './config/secrets.js';
import { inputGetter, type ConfigFs, type InputReader, type ParseContext } from './config/text.js';

export type { BuildMode, Tristate } from './config/build.js';
export { DEFAULT_COMPRESSION_LEVEL, type Compression } from './image/compression.js';
export type { CacheWrite } from './config/cache.js';
export type { GoRequest } from './config/go.js';
export { parseBoolean, type ConfigFs, type InputReader } from './config/text.js';

/**
 * Everything one run needs, parsed and validated once from the inputs. Each area's fields are
 * documented where they are parsed (src/config/*.ts).
 */
export interface Config extends SourceSettings, ImageSettings, CacheSettings, ImageBuildSettings, ReportSettings, SecretSettings, OutputSettings {
  go: GoRequest;
  /** What parsing changed in the inputs (a repository path lower-cased), for the entry point to log. */
  notices: string[];
  /** Inputs given that this configuration ignores, for the entry point to warn about. */
  warnings: string[];
}

export interface ParseOptions {
  /** File-system reads (node:fs by default). */
  fs?: ConfigFs;
  /** The step's environment, for secrets given as id=<id>,env=<variable> (process.env by default). */
  env?: NodeJS.ProcessEnv;
}

/** Builds the Config from raw inputs; throws InputError on the first bad one, before any slow work. Logs nothing. */
export function parseConfig(read: InputReader, workspace: string, options: ParseOptions = {}): Config {
  const notices: Notices = [];
  const context: ParseContext = { get: inputGetter(read), read, workspace, fs: options.fs ?? fs, env: options.env ?? process.env, notices };
  const source = parseSourceSettings(context);
  const image = parseImageSettings(context, source.platforms);
  const cache = parseCacheSettings(context);
  const build = parseImageBuildSettings(context, source.workingDirectory);
  refuseIndexAnnotations(build.annotations, source.platforms, image.mode);
  const go = parseGoRequest(context, source.workingDirectory);
  const secrets = parseSecretSettings(context, source.workingDirectory);
  const report = parseReportSettings(context);
  const output = parseOutputSettings(context, source.workingDirectory, source.platforms);
  return { ...source, ...image, ...cache, ...build, go, ...secrets, ...report, ...output, notices, warnings: ignoredInputWarnings(build) };
}

/** What the entry point does with a parsed Config before anything else is logged: mask the secrets, say what parsing changed. */
export function announceConfig(config: Config, reporter: Pick<Reporter, 'info' | 'warning' | 'setSecret'>): void {
  for (const secret of config.secrets) reporter.setSecret(secret.value);
  for (const value of config.masks) reporter.setSecret(value);
  for (const notice of config.notices) reporter.info(notice);
  for (const warning of config.warnings) reporter.warning(warning);
}
