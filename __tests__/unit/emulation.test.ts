import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseBuildxInspect } from '../../src/image/builder.js';
import { binfmtInstallArgs, decideEmulation, missingPlatforms, runsOnTargetPlatform } from '../../src/image/emulation.js';
import { parsePlatformList } from '../../src/platform.js';

// The local remote-driver builder: amd64 (and 386) only, no emulators registered.
const remote = parseBuildxInspect(readFileSync(path.join(import.meta.dirname, '../fixtures/buildx-inspect/remote.txt'), 'utf8'));
const builderPlatforms = remote.nodes.flatMap((n) => n.platforms);

describe('missingPlatforms', () => {
  it.each([
    ['linux/amd64', []],
    ['linux/amd64,linux/arm64', ['linux/arm64']],
    ['linux/arm/v7,linux/386', ['linux/arm/v7']],
  ])('%s on an amd64 builder misses %j', (requested, missing) => {
    expect(missingPlatforms(parsePlatformList(requested), builderPlatforms).map((p) => [p.os, p.arch, p.variant].filter(Boolean).join('/'))).toEqual(missing);
  });

  it('matches linux/arm to linux/arm/v7 and linux/arm64/v8 to linux/arm64, as BuildKit lists them', () => {
    expect(missingPlatforms(parsePlatformList('linux/arm,linux/arm64/v8'), ['linux/arm64', 'linux/arm/v7'])).toEqual([]);
  });
});

describe('runsOnTargetPlatform', () => {
  it.each([
    ['a RUN in the final stage', 'FROM alpine:3.20\nRUN apk add --no-cache curl\n', true],
    ['only COPY and ENTRYPOINT', 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n', false],
    ['RUN only in a $BUILDPLATFORM stage', 'FROM --platform=$BUILDPLATFORM golang:1.26 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n', false],
    ['${BUILDPLATFORM} with braces, lower-case keywords', 'from --platform=${BUILDPLATFORM} golang AS build\nrun go build\nfrom scratch\ncopy --from=build /app /app\n', false],
    ['a stage built from a $BUILDPLATFORM stage', 'FROM --platform=$BUILDPLATFORM golang AS base\nFROM base AS build\nRUN go build\nFROM scratch\n', false],
    ['a stage with --platform=$TARGETPLATFORM', 'FROM --platform=$TARGETPLATFORM alpine AS tools\nRUN apk add tzdata\nFROM scratch\n', true],
    ['a RUN continued over lines, a comment', '# RUN nothing\nFROM debian\nRUN apt-get update && \\\n    apt-get install -y ca-certificates\n', true],
  ])('%s: %s', (_name, dockerfile, expected) => {
    expect(runsOnTargetPlatform(dockerfile)).toBe(expected);
  });
});

describe('decideEmulation', () => {
  const requested = parsePlatformList('linux/amd64,linux/arm64,linux/arm/v7');

  it('fails before the build on a builder that lacks a platform, naming it and the step to add', () => {
    const decision = decideEmulation({ runsOnTarget: true, requested, builderPlatforms, setting: 'false' });
    expect(decision.kind).toBe('error');
    const message = (decision as { message: string }).message;
    expect(message).toContain('cannot run linux/arm64, linux/arm/v7');
    expect(message).toContain('it lists linux/amd64, linux/amd64/v2, linux/amd64/v3, linux/amd64/v4, linux/386');
    expect(message).toContain('docker/setup-qemu-action');
    expect(message).toContain('setup-qemu: auto');
  });

  it('with setup-qemu: auto, registers the emulators of the missing architectures', () => {
    expect(decideEmulation({ runsOnTarget: true, requested, builderPlatforms, setting: 'auto' })).toEqual({ kind: 'install', arches: ['arm64', 'arm'], platforms: ['linux/arm64', 'linux/arm/v7'] });
    expect(binfmtInstallArgs(['arm64', 'arm'])).toEqual(['run', '--privileged', '--rm', 'docker.io/tonistiigi/binfmt:latest', '--install', 'arm64,arm']);
  });

  it('needs nothing when the Dockerfile runs nothing for the target, or the builder lists every platform', () => {
    expect(decideEmulation({ runsOnTarget: false, requested, builderPlatforms, setting: 'false' })).toEqual({ kind: 'none' });
    expect(decideEmulation({ runsOnTarget: true, requested, builderPlatforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'], setting: 'false' })).toEqual({ kind: 'none' });
  });
});
