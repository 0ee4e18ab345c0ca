import { InputError } from '../errors.js';
import { parseVersionSpec } from '../go/versions.js';
import { Inputs } from '../inputs.js';
import { resolveInside } from './paths.js';
import { parseBoolean, type ParseContext } from './text.js';

/** Which Go to build with (see go/toolchain.ts). */
export interface GoRequest {
  versionSpec: string;
  versionFile: string;
  checkLatest: boolean;
  downloadBaseUrl: string;
}

export function parseGoRequest({ get, workspace, fs }: ParseContext, workingDirectory: string): GoRequest {
  const versionSpec = get('goVersion');
  if (versionSpec) parseVersionSpec(versionSpec);
  const versionFile = get('goVersionFile');
  if (versionFile) resolveInside(workspace, Inputs.goVersionFile.name, versionFile, workingDirectory, fs);
  const downloadBaseUrl = get('goDownloadBaseUrl');
  if (downloadBaseUrl && !/^https?:\/\/[^/\s]+/.test(downloadBaseUrl)) {
    throw new InputError(Inputs.goDownloadBaseUrl.name, downloadBaseUrl, 'an http(s) URL of a Go download mirror, e.g. https://mirrors.example.com/golang');
  }
  return { versionSpec, versionFile, checkLatest: parseBoolean(Inputs.checkLatest.name, get('checkLatest')), downloadBaseUrl };
}
