import path from 'node:path';
import { InputError } from '../errors.js';
import { formatPlatform, type Platform } from '../platform.js';
import { Inputs } from '../inputs.js';
import type { ParseContext } from './text.js';

/** The forms `output` takes: an OCI layout folder, a tar of one, or a `docker save` archive. */
export const OUTPUT_KINDS = ['oci', 'oci-archive', 'docker-archive'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** Where `output` writes the image, the path resolved against working-directory. */
export interface OutputTarget {
  kind: OutputKind;
  path: string;
}

export interface OutputSettings {
  /** The image written to a folder or file as well as (or instead of) the registry; absent when `output` is empty. */
  output?: OutputTarget;
}

const ACCEPTED = 'oci:DIR (an OCI layout folder), oci-archive:FILE.tar (that layout as a tar) or docker-archive:FILE.tar (docker save format, one platform)';

/** Parses `output` (`KIND:PATH`); docker-archive holds one platform, so several are refused here, before any slow work. */
export function parseOutputSettings({ get }: ParseContext, workingDirectory: string, platforms: readonly Platform[]): OutputSettings {
  const value = get('output');
  if (!value) return {};
  const colon = value.indexOf(':');
  const kind = value.slice(0, colon);
  const file = value.slice(colon + 1).trim();
  if (colon < 0 || !(OUTPUT_KINDS as readonly string[]).includes(kind) || !file) throw new InputError(Inputs.output.name, value, ACCEPTED);
  if (kind === 'docker-archive' && platforms.length > 1) {
    throw new InputError(Inputs.output.name, value, `oci:DIR or oci-archive:FILE.tar for several platforms (${platforms.map(formatPlatform).join(', ')}): a docker-archive holds one image`);
  }
  return { output: { kind: kind as OutputKind, path: path.resolve(workingDirectory, file) } };
}
