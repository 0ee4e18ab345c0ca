import type { SourceInfo } from '../git.js';

/** The OCI labels the generated Dockerfile (and the direct engine) put on the image, from the commit and the repository. */
export function ociLabels(binaryName: string, source: SourceInfo, env: NodeJS.ProcessEnv): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': binaryName,
    'org.opencontainers.image.created': new Date(source.epoch * 1000).toISOString(),
    'org.opencontainers.image.version': source.version,
  };
  if (source.revision) labels['org.opencontainers.image.revision'] = source.revision;
  if (env.GITHUB_REPOSITORY) labels['org.opencontainers.image.source'] = `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}`;
  return labels;
}
