import { formatBytes } from './size.js';

export interface RunSummary {
  imageRef: string;
  tags: readonly string[];
  pushed: boolean;
  binaries: readonly { platform: string; size: number }[];
  goVersion: string;
  cachedSteps: number;
  seconds: { compile: number; build: number };
  /** Where the image's CA bundle comes from, when it has one. */
  caBundle?: string;
}

/** The top of the job summary: what was pushed, with which Go, how long it took. The size report follows it. */
export function renderSummary(summary: RunSummary): string {
  const lines = ['## go-slim-image', '', summary.pushed ? `Pushed \`${summary.imageRef}\`` : `Built \`${summary.imageRef}\` (not pushed)`, ''];
  if (summary.tags.length > 0) lines.push(`Tags: ${summary.tags.map((t) => `\`${t}\``).join(', ')}`, '');
  if (summary.binaries.length > 0) lines.push(`Binaries: ${summary.binaries.map((b) => `${b.platform} ${formatBytes(b.size)}`).join(', ')}`, '');
  const go = summary.goVersion ? `Go ${summary.goVersion} · ` : '';
  lines.push(
    `${go}compile ${summary.seconds.compile.toFixed(1)} s · image build ${summary.seconds.build.toFixed(1)} s · ${summary.cachedSteps} build steps from cache`,
    '',
  );
  if (summary.caBundle) lines.push(`CA bundle: ${summary.caBundle}`, '');
  return lines.join('\n');
}
