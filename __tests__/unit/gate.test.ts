import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InputError } from '../../src/errors.js';
import { evaluateGate, gateFailure, parseIncrease, parseSize } from '../../src/report/gate.js';
import type { PlatformDelta, PlatformSize } from '../../src/report/size.js';

const MiB = 1024 * 1024;

describe('size inputs', () => {
  it.each([
    ['12MiB', 12 * MiB],
    ['12 MiB', 12 * MiB],
    ['500KiB', 512_000],
    ['1.5GiB', 1.5 * 1024 * MiB],
    ['12Mi', 12 * MiB],
    ['1.5MB', 1_500_000],
    ['500kB', 500_000],
    ['500KB', 500_000],
    ['2G', 2_000_000_000],
    ['4096', 4096],
    ['4096B', 4096],
    [' 7 KiB ', 7168],
    ['0.5KiB', 512],
    ['1.0001KiB', 1024],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text, 'size-budget')).toBe(bytes);
  });

  it.each(['12MB?', '', 'MiB', '-5MiB', '12 mb', '12MIB', '1e6', '12 MiB extra', '1,5MiB', '12TiB?', 'five'])('rejects %j naming the input', (text) => {
    expect(() => parseSize(text, 'size-budget')).toThrow(InputError);
    expect(() => parseSize(text, 'size-budget')).toThrow(`Input 'size-budget' has an invalid value ${JSON.stringify(text)}: expected a size:`);
  });

  it.each([
    ['5%', { kind: 'percent', percent: 5 }],
    ['2.5 %', { kind: 'percent', percent: 2.5 }],
    ['512KiB', { kind: 'bytes', bytes: 524_288 }],
    ['100000', { kind: 'bytes', bytes: 100_000 }],
  ])('max-increase %s', (text, limit) => {
    expect(parseIncrease(text, 'max-increase')).toEqual(limit);
  });

  it.each(['5%%', '%5', '-1%', 'five percent', '12MB?'])('max-increase rejects %j', (text) => {
    expect(() => parseIncrease(text, 'max-increase')).toThrow(/^Input 'max-increase' has an invalid value .*: expected a percentage \(e\.g\. 5% or 2\.5%\) or a number of bytes/);
  });

  it('round-trips every whole amount of every unit (property)', () => {
    const units = fc.constantFrom(['', 1], ['B', 1], ['KiB', 1024], ['MiB', MiB], ['GiB', 1024 * MiB], ['kB', 1000], ['MB', 1e6], ['GB', 1e9]);
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), units, fc.constantFrom('', ' '), (n, [unit, multiplier], space) => {
        expect(parseSize(`${n}${space}${unit}`, 'size-budget')).toBe(n * (multiplier as number));
      }),
    );
  });

  it('never throws anything but an InputError, and never returns a fraction (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const bytes = parseSize(text, 'size-budget');
          expect(Number.isSafeInteger(bytes) && bytes >= 0).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
        }
      }),
    );
  });
});

describe('size gate', () => {
  const sizes: PlatformSize[] = [
    { platform: 'linux/amd64', manifestDigest: 'sha256:a', compressed: 13 * MiB, layers: [] },
    { platform: 'linux/arm64', manifestDigest: 'sha256:b', compressed: 11 * MiB, layers: [] },
    { platform: 'linux/riscv64', manifestDigest: 'sha256:c', compressed: 5 * MiB, layers: [] },
  ];
  const deltas: PlatformDelta[] = [
    { platform: 'linux/amd64', state: 'found', compressed: { before: 12 * MiB, after: 13 * MiB, bytes: MiB, percent: 100 / 12 } },
    { platform: 'linux/arm64', state: 'found', compressed: { before: 11.5 * MiB, after: 11 * MiB, bytes: -0.5 * MiB, percent: -100 / 23 } },
    { platform: 'linux/riscv64', state: 'platform-missing' },
  ];

  it('checks the budget per platform and names platform, numbers and limit', () => {
    const checks = evaluateGate(sizes, deltas, { budget: 12 * MiB });
    expect(checks.map((c) => c.passed)).toEqual([false, true, true]);
    expect(checks[0]!.message).toBe('linux/amd64: the image is 13.00 MiB (13631488 bytes) compressed, over the size-budget of 12.00 MiB (12582912 bytes)');
  });

  it('checks growth against the baseline, in percent or bytes, and skips platforms without one', () => {
    const percent = evaluateGate(sizes, deltas, { maxIncrease: { kind: 'percent', percent: 5 } });
    expect(percent.map((c) => c.passed)).toEqual([false, true, true]);
    expect(percent[0]!.message).toBe(
      'linux/amd64: the image grew by 1.00 MiB (1048576 bytes) (+8.33%) from 12.00 MiB (12582912 bytes) to 13.00 MiB (13631488 bytes) compressed, over the max-increase of 5%',
    );
    expect(percent[1]!.message).toMatch(/^linux\/arm64: the image shrank by 512.0 KiB \(524288 bytes\) \(-4\.35%\)/);
    expect(percent[2]!.message).toBe('linux/riscv64: max-increase not checked, the baseline has no image for this platform');
    const bytes = evaluateGate(sizes, deltas, { maxIncrease: { kind: 'bytes', bytes: 2 * MiB } });
    expect(bytes.every((c) => c.passed)).toBe(true);
    expect(evaluateGate(sizes, [], { maxIncrease: { kind: 'percent', percent: 1 } })[0]!.message).toBe('linux/amd64: max-increase not checked, there is no baseline yet');
  });

  it('fails with every failed check, and not at all when all pass', () => {
    const checks = evaluateGate(sizes, deltas, { budget: 12 * MiB, maxIncrease: { kind: 'percent', percent: 5 } });
    expect(gateFailure(checks)).toBe(`Image size gate failed:\n- ${checks[0]!.message}\n- ${checks[1]!.message}`);
    expect(gateFailure(evaluateGate(sizes, deltas, {}))).toBeUndefined();
  });
});
