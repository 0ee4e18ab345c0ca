import { formatBytes, type PlatformSize } from './size.js';

export interface RunSummary {
  imageRef: string;
  tags: readonly string[];
  pushed: boolean;
  sizes: readonly PlatformSize[];
  binaries: readonly { platform: string; size: number }[];
  goVersion: string;
  cachedSteps: number;
  seconds: { compile: number; build: number };
}

/** The job summary of one run, as markdown. */
export function renderSummary(summary: RunSummary): string {
  const binaryOf = new Map(summary.binaries.map((b) => [b.platform, b.size]));
  const lines = [
    '## go-slim-image',
    '',
    summary.pushed ? `Pushed \`${summary.imageRef}\`` : `Built \`${summary.imageRef}\` (not pushed)`,
    '',
  ];
  if (summary.tags.length > 0) lines.push(`Tags: ${summary.tags.map((t) => `\`${t}\``).join(', ')}`, '');
  lines.push('| platform | image (compressed) | binary | layers |', '| --- | ---: | ---: | ---: |');
  for (const size of summary.sizes) {
    const binary = binaryOf.get(size.platform);
    lines.push(`| ${size.platform} | ${formatBytes(size.compressed)} | ${binary === undefined ? '–' : formatBytes(binary)} | ${size.layers.length} |`);
  }
  if (summary.sizes.length === 0) {
    for (const binary of summary.binaries) lines.push(`| ${binary.platform} | – | ${formatBytes(binary.size)} | – |`);
  }
  lines.push(
    '',
    `Go ${summary.goVersion} · compile ${summary.seconds.compile.toFixed(1)} s · image build ${summary.seconds.build.toFixed(1)} s · ${summary.cachedSteps} build steps from cache`,
    '',
  );
  return lines.join('\n');
}
