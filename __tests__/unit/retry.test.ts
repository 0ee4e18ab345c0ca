import { describe, expect, it } from '@jest/globals';
import { backoffDelay, RetriesExhaustedError, withRetry, type RetryPolicy } from '../../src/retry.js';

const policy: RetryPolicy = { attempts: 3, initialDelayMs: 100, maxDelayMs: 250 };

function flaky(failures: number, error: () => Error = () => new Error('socket hang up')) {
  let calls = 0;
  const task = async (): Promise<string> => {
    calls++;
    if (calls <= failures) throw error();
    return 'ok';
  };
  return { task, calls: () => calls };
}

describe('withRetry', () => {
  it('retries transient failures with growing waits, then succeeds', async () => {
    const waits: number[] = [];
    const { task, calls } = flaky(2);
    const result = await withRetry(task, { policy, isRetryable: () => true, sleep: async (ms) => void waits.push(ms) });
    expect(result).toBe('ok');
    expect(calls()).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(200);
  });

  it('gives up after the last attempt with the last error as cause', async () => {
    const { task, calls } = flaky(5);
    const failure = withRetry(task, { policy, isRetryable: () => true, sleep: async () => {} });
    await expect(failure).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(failure).rejects.toMatchObject({ attempts: 3, message: '3 attempt(s) failed: socket hang up' });
    expect(calls()).toBe(3);
  });

  it('rethrows a final error at once', async () => {
    const { task, calls } = flaky(5, () => new Error('404'));
    await expect(withRetry(task, { policy, isRetryable: () => false, sleep: async () => {} })).rejects.toThrow('404');
    expect(calls()).toBe(1);
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap, with at most 25% jitter', () => {
    expect([1, 2, 3].map((n) => backoffDelay(policy, n, () => 0))).toEqual([100, 200, 250]);
    expect(backoffDelay(policy, 1, () => 1)).toBe(125);
  });
});
