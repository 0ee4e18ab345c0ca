/** How often and how patiently a flaky network call is retried. */
export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /** Wait before the second try; doubled for each later one (plus up to 25% jitter). */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 2_000, maxDelayMs: 20_000 };

/** Wait before try number `attempt + 1` (attempt counts from 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (1 + 0.25 * random()));
}

/** Thrown after the last try; carries how many tries were made and the last failure as `cause`. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`${attempts} attempt(s) failed: ${lastError instanceof Error ? lastError.message : String(lastError)}`, { cause: lastError });
    this.name = 'RetriesExhaustedError';
  }
}

/**
 * Runs `task` until it succeeds, `isRetryable` says a failure is final (that error is rethrown as is),
 * or the attempts run out (RetriesExhaustedError).
 */
export async function withRetry<T>(
  task: (attempt: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    isRetryable: (error: unknown) => boolean;
    /** The wait before the next try when the failure itself says (e.g. Retry-After); default backoffDelay. */
    delayFor?: (error: unknown, attempt: number) => number | undefined;
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (error) {
      if (!options.isRetryable(error)) throw error;
      if (attempt >= options.policy.attempts) throw new RetriesExhaustedError(attempt, error);
      const delay = options.delayFor?.(error, attempt) ?? backoffDelay(options.policy, attempt);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** The longest a `Retry-After` is honoured; a registry asking for more is waited for this long. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * A `Retry-After` header's wait in milliseconds (delta-seconds or an HTTP-date, RFC 9110 §10.2.3),
 * capped at `capMs`; undefined when absent or unreadable. A date in the past means no wait.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now(), capMs: number = MAX_RETRY_AFTER_MS): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Math.min(capMs, Number(value) * 1000);
  const at = Date.parse(value);
  if (!/[a-z]/i.test(value) || Number.isNaN(at)) return undefined;
  return Math.min(capMs, Math.max(0, at - now));
}
