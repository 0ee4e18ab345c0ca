import { formatBytes } from '../format-bytes.js';

/** One timed part of the run, as the summary shows it. */
export interface Phase {
  name: string;
  seconds: number;
}

export interface RunSummary {
  imageRef: string;
  tags: readonly string[];
  pushed: boolean;
  /** False when the size gate kept the tags where they were, or nothing was pushed. */
  tagsMoved: boolean;
  binaries: readonly { platform: string; size: number }[];
  goVersion: string;
  /** Build steps BuildKit took from its cache; undefined when BuildKit did not run. */
  cachedSteps?: number;
  phases: readonly Phase[];
  /** Where the image's CA bundle comes from, when it has one. */
  caBundle?: string;
  /** What was attached to the image (SBOM, provenance), one line. */
  attestations?: string;
}

/** The top of the job summary: what was pushed, with which Go, where the time went. The size report follows it. */
export function renderSummary(summary: RunSummary): string {
  const lines = ['## go-slim-image', '', summary.pushed ? `Pushed \`${summary.imageRef}\`` : `Built \`${summary.imageRef}\` (not pushed)`, ''];
  if (summary.tags.length > 0) {
    const tags = summary.tags.map((t) => `\`${t}\``).join(', ');
    lines.push(summary.tagsMoved ? `Tags: ${tags}` : summary.pushed ? `Tags not moved (the size gate failed): ${tags}` : `Tags (not pushed): ${tags}`, '');
  }
  if (summary.binaries.length > 0) lines.push(`Binaries: ${summary.binaries.map((b) => `${b.platform} ${formatBytes(b.size)}`).join(', ')}`, '');
  const facts = [summary.goVersion ? `Go ${summary.goVersion}` : '', summary.cachedSteps !== undefined ? `${summary.cachedSteps} build steps from cache` : ''].filter(Boolean);
  if (facts.length > 0) lines.push(facts.join(' · '), '');
  if (summary.phases.length > 0) lines.push(`Time: ${summary.phases.map((p) => `${p.name} ${p.seconds.toFixed(1)} s`).join(' · ')}`, '');
  if (summary.caBundle) lines.push(`CA bundle: ${summary.caBundle}`, '');
  if (summary.attestations) lines.push(summary.attestations, '');
  return lines.join('\n');
}

const PHASE_ORDER = ['Go setup', 'compile', 'image build', 'compress', 'push', 'merge', 'report'];

/** Times the phases of a run with the clock it is given. */
export class PhaseTimer {
  private readonly done: Phase[] = [];

  constructor(private readonly clock: () => number) {}

  async time<T>(name: string, task: () => Promise<T>): Promise<T> {
    const started = this.clock();
    try {
      return await task();
    } finally {
      // A phase timed in several pieces (the report: before and after the push) is shown once, summed.
      const seconds = (this.clock() - started) / 1000;
      const earlier = this.done.find((phase) => phase.name === name);
      if (earlier) earlier.seconds += seconds;
      else this.done.push({ name, seconds });
    }
  }

  /** In the order a run goes through them, whatever order they were timed in. */
  get phases(): readonly Phase[] {
    const rank = (phase: Phase) => {
      const i = PHASE_ORDER.indexOf(phase.name);
      return i < 0 ? PHASE_ORDER.length : i;
    };
    return [...this.done].sort((a, b) => rank(a) - rank(b));
  }
}
