import { InputError } from '../errors.js';
import { formatBytes } from '../format-bytes.js';
import { formatPercent, type PlatformDelta, type PlatformSize } from './size.js';

/**
 * Unit multipliers accepted in size inputs. IEC (powers of 1024) is the convention the reports
 * use; SI (powers of 1000) is accepted because people write it, and means what SI says. Unit
 * letters are matched case-sensitively except that `k`/`K` are both SI kilo: `mb` (millibits) or
 * `MIB` are rejected rather than guessed.
 */
export const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  kB: 1000,
  KB: 1000,
  k: 1000,
  K: 1000,
  MB: 1000 ** 2,
  M: 1000 ** 2,
  GB: 1000 ** 3,
  G: 1000 ** 3,
};

export const SIZE_ACCEPTED = 'a size: a number of bytes (e.g. 13000000) or a number with a unit, IEC KiB, MiB, GiB (powers of 1024, e.g. 12MiB, 1.5GiB) or SI kB, MB, GB (powers of 1000, e.g. 500kB)';
export const INCREASE_ACCEPTED = `a percentage (e.g. 5% or 2.5%) or ${SIZE_ACCEPTED.replace(/^a size: /, '')}`;

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/;

/** Bytes of a size text such as `12MiB`, `1.5 MB`, `500KiB`, `4096` (rounded down to whole bytes). */
export function parseSize(text: string, input: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  const multiplier = match ? SIZE_UNITS[match[2]!] : undefined;
  if (!match || multiplier === undefined) throw new InputError(input, text, SIZE_ACCEPTED);
  const bytes = Math.floor(Number(match[1]) * multiplier);
  if (!Number.isSafeInteger(bytes)) throw new InputError(input, text, SIZE_ACCEPTED);
  return bytes;
}

/** How much a platform may grow against the baseline. */
export type IncreaseLimit = { kind: 'percent'; percent: number } | { kind: 'bytes'; bytes: number };

export function parseIncrease(text: string, input: string): IncreaseLimit {
  const trimmed = text.trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(trimmed);
  if (percent) return { kind: 'percent', percent: Number(percent[1]) };
  try {
    return { kind: 'bytes', bytes: parseSize(trimmed, input) };
  } catch {
    throw new InputError(input, text, INCREASE_ACCEPTED);
  }
}

export interface GateLimits {
  /** Largest compressed size allowed per platform (`size-budget`). */
  budget?: number;
  /** Largest growth allowed against the baseline (`max-increase`). */
  maxIncrease?: IncreaseLimit;
}

export interface GateCheck {
  platform: string;
  check: 'size-budget' | 'max-increase';
  passed: boolean;
  /** One sentence naming the platform, the numbers and the limit. */
  message: string;
}

const exact = (bytes: number) => `${formatBytes(bytes)} (${bytes} bytes)`;

export function formatIncreaseLimit(limit: IncreaseLimit): string {
  return limit.kind === 'percent' ? `${limit.percent}%` : exact(limit.bytes);
}

/**
 * Checks every platform against the limits. Both apply to the compressed size (what a pull
 * transfers, the `size` output). `max-increase` is skipped, with a passing note, for a platform
 * without a baseline: there is nothing to grow from.
 */
export function evaluateGate(sizes: readonly PlatformSize[], deltas: readonly PlatformDelta[], limits: GateLimits): GateCheck[] {
  const checks: GateCheck[] = [];
  for (const size of sizes) {
    if (limits.budget !== undefined) {
      const passed = size.compressed <= limits.budget;
      checks.push({
        platform: size.platform,
        check: 'size-budget',
        passed,
        message: `${size.platform}: the image is ${exact(size.compressed)} compressed, ${passed ? 'within' : 'over'} the size-budget of ${exact(limits.budget)}`,
      });
    }
    if (limits.maxIncrease === undefined) continue;
    const limit = limits.maxIncrease;
    const delta = deltas.find((d) => d.platform === size.platform);
    if (!delta || delta.state !== 'found') {
      const why = delta?.state === 'platform-missing' ? 'the baseline has no image for this platform' : 'there is no baseline yet';
      checks.push({ platform: size.platform, check: 'max-increase', passed: true, message: `${size.platform}: max-increase not checked, ${why}` });
      continue;
    }
    const change = delta.compressed;
    const passed =
      limit.kind === 'bytes'
        ? change.bytes <= limit.bytes
        : change.bytes <= 0 || (change.percent !== undefined && change.percent <= limit.percent);
    const grew = change.bytes >= 0 ? `grew by ${exact(change.bytes)}` : `shrank by ${exact(-change.bytes)}`;
    checks.push({
      platform: size.platform,
      check: 'max-increase',
      passed,
      message:
        `${size.platform}: the image ${grew} (${formatPercent(change.percent)}) from ${exact(change.before)} to ${exact(change.after)} compressed, ` +
        `${passed ? 'within' : 'over'} the max-increase of ${formatIncreaseLimit(limit)}`,
    });
  }
  return checks;
}

/** The message a failed gate fails the step with; undefined when every check passed. */
export function gateFailure(checks: readonly GateCheck[]): string | undefined {
  const failed = checks.filter((c) => !c.passed);
  if (failed.length === 0) return undefined;
  return `Image size gate failed:\n${failed.map((c) => `- ${c.message}`).join('\n')}`;
}
