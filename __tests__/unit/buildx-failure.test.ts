import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CommandError } from '../../src/errors.js';
import { buildxFailureCause } from '../../src/image/buildx.js';

const fixture = (name: string) => readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/buildx-failures', name), 'utf8');

describe('buildxFailureCause (real buildx output)', () => {
  it('a failing RUN: the step, the Dockerfile line, BuildKit error and the output line that says why', () => {
    const cause = buildxFailureCause(fixture('run-fails.txt'))!;
    const [first, ...rest] = cause.split('\n');
    expect(first).toMatch(/^buildx failed at \[3\/3\] RUN \["\/bin\/busybox", "sh", "-c", .{20,}… \(Dockerfile:4\): process "\/bin\/busybox sh -c .*" did not complete successfully: exit code: 1$/);
    // The reason is the step's first output line, which buildx's own summary (its last 10 lines) drops.
    expect(rest).toEqual(['  go: example.com/app/server: cannot find module providing package example.com/app/server']);
  });

  it('a COPY of a missing file', () => {
    expect(buildxFailureCause(fixture('copy-missing.txt'))).toMatch(
      /^buildx failed at \[2\/2\] COPY missing-binary \/app \(Dockerfile:3\): failed to calculate checksum of ref [\w:]+: "\/missing-binary": not found$/,
    );
  });

  it('leads the command error, ahead of the 25-line tail that ends ~40 lines below the step error', () => {
    const progress = fixture('run-fails.txt');
    const error = new CommandError('docker buildx build', 1, progress.trimEnd().split('\n').slice(-25).join('\n'), undefined, buildxFailureCause(progress));
    expect(error.message.split('\n')[0]).toMatch(/^buildx failed at \[3\/3\] RUN/);
    expect(error.message.split('\n')[1]).toContain('cannot find module providing package');
    expect(error.message).toContain('docker buildx build failed with exit code 1:\n');
  });

  it.each<[string, string, string | undefined]>([
    ['only a final ERROR (no step failed)', '#0 building with "x" instance using docker-container driver\nERROR: failed to build: failed to solve: failed to read dockerfile: open Dockerfile: no such file or directory\n', 'buildx failed: failed to solve: failed to read dockerfile: open Dockerfile: no such file or directory'],
    ['buildx refusing before a build', 'error: could not create a builder instance with TLS data loaded from environment\n', 'buildx failed: could not create a builder instance with TLS data loaded from environment'],
    [
      'a failed cache export is not the cause',
      '#9 exporting cache to registry\n#9 ERROR: failed to push cache: 500 Internal Server Error\n#10 [2/2] COPY app /app\n#10 ERROR: "/app": not found\nERROR: failed to build: failed to solve: "/app": not found\n',
      'buildx failed at [2/2] COPY app /app: "/app": not found',
    ],
    ['nothing that reads like an error', '#1 [internal] load build definition\n#1 DONE 0.0s\n', undefined],
  ])('%s', (_name, progress, expected) => {
    expect(buildxFailureCause(progress)).toBe(expected);
  });
});
