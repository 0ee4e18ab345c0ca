import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { formatElapsed, formatOutputs, TerminalReporter, terminalSummary, type TerminalOptions } from '../../src/cli-reporter.js';
import { historyPoints, historySection } from '../../src/report/history.js';

/** A reporter over a recorded sink and a clock the test moves. */
function terminal(options: Partial<TerminalOptions> = {}) {
  const written: string[] = [];
  const clock = { ms: 1_000 };
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin' };
  const reporter = new TerminalReporter(
    { write: (text: string) => written.push(text), columns: 60 },
    { live: false, color: false, verbose: false, unicode: true, env, now: () => clock.ms, tickMs: 60_000, ...options },
  );
  return { reporter, written, clock, env, text: () => written.join('') };
}

describe('TerminalReporter off a terminal (pipes, CI, tests)', () => {
  it('prints a group as start and finish lines with the elapsed time, and every line inside it', async () => {
    const t = terminal();
    const result = await t.reporter.group('Building the image with buildx', async () => {
      t.reporter.info('#1 [internal] load build definition');
      t.clock.ms += 12_300;
      return 42;
    });
    expect(result).toBe(42);
    expect(t.text()).toBe('==> Building the image with buildx\n#1 [internal] load build definition\n==> Building the image with buildx: done in 12.3s\n');
  });

  it('marks a failed group and passes the error on', async () => {
    const t = terminal();
    await expect(t.reporter.group('Pushing the image', () => Promise.reject(new Error('denied')))).rejects.toThrow('denied');
    expect(t.text()).toBe('==> Pushing the image\n==> Pushing the image: failed in 0.0s\n');
  });

  it('prints warnings without colour and makes an inner group a line of the outer one', async () => {
    const t = terminal();
    await t.reporter.group('outer', async () => {
      await t.reporter.group('inner', async () => t.reporter.warning('careful'));
    });
    expect(t.text()).toBe('==> outer\ninner\nwarning: careful\n==> outer: done in 0.0s\n');
  });
});

describe('TerminalReporter on a terminal', () => {
  it('folds the lines of a step into one spinner line and ends it with a check mark', async () => {
    const t = terminal({ live: true, color: true });
    await t.reporter.group('Compiling', async () => {
      t.reporter.info('linux/amd64: 1.2 MiB in 0.4 s');
      t.clock.ms += 65_000;
    });
    const text = t.text();
    expect(text).toContain('\r\x1b[2K⠙ Compiling 0.0s');
    expect(text).toContain('\x1b[2m  linux/amd64: 1.2 MiB in 0.4 s\x1b[0m');
    expect(text).not.toContain('linux/amd64: 1.2 MiB in 0.4 s\n');
    expect(text.endsWith('\r\x1b[2K\x1b[32m✓\x1b[0m Compiling \x1b[2m(1m 05s)\x1b[0m\n')).toBe(true);
  });

  it('never lets the spinner line wrap', async () => {
    const t = terminal({ live: true });
    await t.reporter.group('Building', async () => t.reporter.info('x'.repeat(500)));
    for (const line of t.text().split('\r\x1b[2K').flatMap((part) => part.split('\n'))) expect(line.length).toBeLessThanOrEqual(59);
  });

  it('takes 80 columns when the terminal does not say', async () => {
    const written: string[] = [];
    const reporter = new TerminalReporter({ write: (text: string) => written.push(text), columns: 0 }, { live: true, color: false, verbose: false, unicode: true, env: {}, now: () => 0 });
    await reporter.group('Building', async () => reporter.info('y'.repeat(200)));
    expect(written[1]).toBe(`\r\x1b[2K⠹ Building 0.0s  ${'y'.repeat(61)}…`);
    expect(written[1]!.length - '\r\x1b[2K'.length).toBe(79);
  });

  it('shows the folded lines again when the step fails', async () => {
    const t = terminal({ live: true, unicode: false });
    await expect(
      t.reporter.group('Building', async () => {
        t.reporter.info('#5 RUN false');
        throw new Error('exit 1');
      }),
    ).rejects.toThrow('exit 1');
    expect(t.text()).toContain('\r\x1b[2Kfailed Building (0.0s)\n  #5 RUN false\n');
  });

  it('prints warnings in yellow above the spinner line', async () => {
    const t = terminal({ live: true, color: true });
    await t.reporter.group('Building', async () => t.reporter.warning('old buildx'));
    expect(t.text()).toContain('\r\x1b[2K\x1b[33mwarning: old buildx\x1b[0m\n');
  });

  it('prints every line with --verbose', async () => {
    const t = terminal({ live: true, verbose: true });
    await t.reporter.group('Building', async () => t.reporter.info('#1 DONE'));
    expect(t.text()).toContain('\r\x1b[2K#1 DONE\n');
  });
});

describe('TerminalReporter keeps what the runner would', () => {
  it('collects summaries and state, and masks secrets', async () => {
    const t = terminal();
    t.reporter.setSecret('s3cret');
    t.reporter.saveState('builder-to-remove', 'go-slim-image-1');
    await t.reporter.addSummary('token s3cret');
    t.reporter.info('using s3cret');
    expect(t.reporter.state.get('builder-to-remove')).toBe('go-slim-image-1');
    expect(t.reporter.summaries).toEqual(['token ***']);
    expect(t.text()).toBe('using ***\n');
  });

  it('applies exportVariable and addPath to its environment only', () => {
    const t = terminal();
    t.reporter.exportVariable('GOTOOLCHAIN', 'local');
    t.reporter.addPath('/tool/go/bin');
    expect(t.env).toEqual({ PATH: `/tool/go/bin${path.delimiter}/usr/bin`, GOTOOLCHAIN: 'local' });
    expect(process.env.GOTOOLCHAIN).not.toBe('local');
  });
});

describe('formatOutputs', () => {
  it('aligns name: value lines, continues multi-line values, leaves out skipped names', () => {
    const outputs = new Map([
      ['digest', 'sha256:abc'],
      ['tags', 'r/app:latest\nr/app:sha-1234567'],
      ['size-report', '| big |'],
      ['size-delta', ''],
    ]);
    expect(formatOutputs(outputs, ['size-report'])).toBe(['digest:     sha256:abc', 'tags:       r/app:latest', '            r/app:sha-1234567', 'size-delta:'].join('\n'));
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, '0.0s'],
    [4_240, '4.2s'],
    [59_900, '59.9s'],
    [65_000, '1m 05s'],
    [3_600_000, '60m 00s'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('terminalSummary', () => {
  const MiB = 1024 * 1024;
  const builds = [1, 2, 3, 4, 5].map((n) => ({ commit: `${n}${'0'.repeat(11)}`, date: '', sizes: { 'linux/amd64': 2 * MiB + n * 50_000, 'linux/arm64': 2 * MiB - n * 10_000 } }));
  const pr = { commit: 'f'.repeat(12), date: '', sizes: { 'linux/amd64': 3 * MiB, 'linux/arm64': 2 * MiB - 60_000 } };
  const summary = ['### Image size', '', ...historySection(historyPoints(builds, pr, { limit: 30, records: false }, true))].join('\n');

  it('turns the history chart into one sparkline row per platform and keeps the text lines', () => {
    const text = terminalSummary(summary);
    expect(text).not.toContain('```mermaid');
    expect(text).toContain(['Last 6 builds (1000000 … PR):', '  linux/amd64  ▁▁▂▂▂█  2.05 → 3 MiB', '  linux/arm64  █▇▅▄▂▁  1.99 → 1.94 MiB', '', '- linux/amd64'].join('\n'));
    expect(text).not.toContain('🟦');
    expect(text).toContain('- linux/amd64: min 2.05 MiB');
  });

  it('uses ASCII where the console lacks block characters, and leaves other Mermaid blocks alone', () => {
    expect(terminalSummary(summary, false)).toContain('  linux/amd64  ..:::%  2.05 → 3 MiB');
    const other = '```mermaid\ngraph TD\n  a --> b\n```';
    expect(terminalSummary(other)).toBe(other);
  });
});
