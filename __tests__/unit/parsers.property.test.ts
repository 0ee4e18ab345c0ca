import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InputError } from '../../src/errors.js';
import { GoModError, parseGoMod } from '../../src/go/gomod.js';
import { parseVersionFile, parseVersionSpec, VersionFileError } from '../../src/go/versions.js';
import { formatPlatform, parsePlatform, parsePlatformList, PlatformSyntaxError } from '../../src/platform.js';
import { formatImageName, isValidTag, parseImageName, ImageReferenceError } from '../../src/reference.js';

/**
 * Property tests for the parsers that read user text: whatever comes in, they return a value or
 * throw one of our typed errors (never a TypeError from a missing match, never a plain Error), and
 * what they return formats back to text they parse to the same value.
 */

/** Runs `parse`; a throw that is not one of `allowed` fails the property with the offending input. */
function onlyTyped<T>(parse: () => T, ...allowed: (abstract new (...args: never[]) => Error)[]): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (allowed.some((type) => error instanceof type)) return undefined;
    throw error;
  }
}

/** Text that looks like the real thing often enough to reach the deep branches, plus anything at all. */
const alphabet = (chars: string, maxLength = 40) => fc.string({ unit: fc.constantFrom(...chars.split('')), maxLength });
const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));

const OS = ['linux', 'windows', 'darwin', 'Linux', 'LINUX'];
const ARCH = ['amd64', 'arm64', 'arm', '386', 'riscv64', 's390x', 'ppc64le', 'mips', 'amd65', 'x86_64'];
const VARIANT = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v0', ''];

const platformLike = fc.oneof(
  fc.tuple(fc.constantFrom(...OS), fc.constantFrom(...ARCH), fc.constantFrom(...VARIANT), fc.constantFrom('', ' ', '\t')).map(([os, arch, variant, pad]) => `${pad}${os}/${arch}${variant ? `/${variant}` : ''}${pad}`),
  alphabet('linuxamd64arm/v7 ,\n', 30),
  anyText,
);

describe('platform parsing (property)', () => {
  it('parsePlatform returns a platform or throws PlatformSyntaxError, for any text', () => {
    fc.assert(
      fc.property(platformLike, (text) => {
        const platform = onlyTyped(() => parsePlatform(text), PlatformSyntaxError);
        if (!platform) return;
        // What it returns is normalized: lower case, and parses back to itself.
        const formatted = formatPlatform(platform);
        expect(formatted).toBe(formatted.toLowerCase());
        expect(parsePlatform(formatted)).toEqual(platform);
      }),
      { numRuns: 2000 },
    );
  });

  it('PlatformSyntaxError carries the entry as written, so the message can show it', () => {
    fc.assert(
      fc.property(platformLike, (text) => {
        try {
          parsePlatform(text);
        } catch (error) {
          expect(error).toBeInstanceOf(PlatformSyntaxError);
          expect((error as PlatformSyntaxError).value).toBe(text);
          expect((error as Error).message.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('parsePlatformList only throws PlatformSyntaxError, and returns each platform once', () => {
    const list = fc.array(platformLike, { maxLength: 6 }).chain((entries) => fc.constantFrom(',', '\n', ', ').map((sep) => entries.join(sep)));
    fc.assert(
      fc.property(fc.oneof(list, anyText), (text) => {
        const platforms = onlyTyped(() => parsePlatformList(text), PlatformSyntaxError);
        if (!platforms) return;
        const names = platforms.map(formatPlatform);
        expect(new Set(names).size).toBe(names.length);
        expect(parsePlatformList(names.join(','))).toEqual(platforms);
      }),
      { numRuns: 1000 },
    );
  });
});

const component = fc.stringMatching(/^[a-z0-9]{1,6}(?:[._-][a-z0-9]{1,6}){0,2}$/);
const host = fc.oneof(
  fc.constantFrom('ghcr.io', 'docker.io', 'localhost', 'localhost:5000', '127.0.0.1:5000', 'registry.corp.example:8443', '[::1]:5000'),
  // Labels may hold dashes inside, never at either end; a port is a TCP port (1-65535).
  fc.tuple(fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?\.[a-z]{2,5}$/), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([name, port]) => (port === undefined ? name : `${name}:${port}`)),
);
const referenceParts = fc.record({
  registry: fc.option(host, { nil: undefined }),
  parts: fc.array(component, { minLength: 1, maxLength: 3 }),
  tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
  digest: fc.option(fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`), { nil: undefined }),
});
// Without a registry the first part must not look like a host (Docker reads `a.b/c` as registry a.b).
const referenceText = (r: { registry: string | undefined; parts: string[]; tag: string | undefined; digest: string | undefined }) =>
  `${r.registry ? `${r.registry}/` : ''}${(r.registry ? r.parts : [r.parts[0]!.replace(/\./g, '-'), ...r.parts.slice(1)]).join('/')}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
const validReference = referenceParts.map(referenceText);
const referenceLike = fc.oneof(validReference, alphabet('abcAB01.:/@-_ sha256', 50), anyText);

describe('image reference parsing (property)', () => {
  it('parseImageName returns a name or throws ImageReferenceError, for any text', () => {
    fc.assert(
      fc.property(referenceLike, (text) => {
        const name = onlyTyped(() => parseImageName(text), ImageReferenceError);
        if (!name) return;
        expect(name.registry.length).toBeGreaterThan(0);
        expect(name.repository.length).toBeGreaterThan(0);
        if (name.tag !== undefined) expect(isValidTag(name.tag)).toBe(true);
        if (name.digest !== undefined) expect(name.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
        // Formatting is canonical (registry always written): it parses back to the same name.
        expect(parseImageName(formatImageName(name))).toEqual(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every well-formed reference and keeps its tag and digest', () => {
    fc.assert(
      fc.property(referenceParts, (parts) => {
        const name = parseImageName(referenceText(parts));
        expect(name.tag).toBe(parts.tag || undefined);
        expect(name.digest).toBe(parts.digest);
        // A first part is a registry only when it looks like a host (a dot, a port, localhost).
        if (parts.registry) expect(name.registry).toBe(parts.registry);
        expect(name.repository.endsWith(parts.parts.slice(1).join('/'))).toBe(true);
      }),
    );
  });
});

const goVersion = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined })).map(([minor, patch]) => `1.${minor}${patch === undefined ? '' : `.${patch}`}`),
  fc.tuple(fc.integer({ min: 20, max: 30 }), fc.constantFrom('rc', 'beta'), fc.integer({ min: 1, max: 3 })).map(([minor, pre, n]) => `1.${minor}${pre}${n}`),
  alphabet('0123456789.rcbetago', 10),
);
const directive = fc.oneof(
  fc.constantFrom('module example.com/app', 'module "example.com/quoted"', 'require example.com/x v1.0.0', 'require (', ')', 'replace a => ../a', '// comment', '', '\r'),
  goVersion.map((v) => `go ${v}`),
  goVersion.map((v) => `toolchain go${v}`),
  goVersion.map((v) => `toolchain go${v}+auto`),
  fc.constantFrom('go', 'toolchain', 'toolchain 1.22', 'go 1.22 1.23', 'use ./a', 'use (', 'module'),
  alphabet('moduletoolchaingo 1.2\t/"`', 30),
  anyText,
);
const goModLike = fc.array(directive, { maxLength: 12 }).chain((lines) => fc.constantFrom('\n', '\r\n').map((eol) => lines.join(eol)));

describe('go.mod / go.work parsing (property)', () => {
  it('parseGoMod returns the directives or throws GoModError, for any content', () => {
    fc.assert(
      fc.property(goModLike, fc.constantFrom('go.mod', 'examples/hello/go.mod', 'go.work'), (content, file) => {
        const mod = onlyTyped(() => parseGoMod(content, file), GoModError);
        if (!mod) return;
        if (!file.endsWith('go.work')) expect(mod.module.length).toBeGreaterThan(0);
        // Whatever version it reads is one the version resolver takes.
        for (const version of [mod.go, mod.toolchain]) if (version !== undefined) expect(() => parseVersionSpec(version)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('a GoModError names the file', () => {
    fc.assert(
      fc.property(goModLike, (content) => {
        try {
          parseGoMod(content, 'sub/go.mod');
        } catch (error) {
          expect(error).toBeInstanceOf(GoModError);
          expect((error as Error).message.startsWith('sub/go.mod: ')).toBe(true);
        }
      }),
    );
  });

  it('parseVersionFile throws only GoModError or VersionFileError, for go.mod, go.work, .go-version and .tool-versions', () => {
    const toolVersions = fc.array(fc.oneof(fc.constantFrom('nodejs 20.1.0', '# pinned', ''), goVersion.map((v) => `golang ${v}`), goVersion.map((v) => `go go${v}`), anyText), { maxLength: 5 }).map((l) => l.join('\n'));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.constantFrom('go.mod', 'go.work'), goModLike),
          fc.tuple(fc.constant('.tool-versions'), toolVersions),
          fc.tuple(fc.constant('.go-version'), fc.oneof(goVersion, anyText)),
        ),
        ([file, content]) => {
          const version = onlyTyped(() => parseVersionFile(file, content), GoModError, VersionFileError);
          if (version === undefined) return;
          expect(typeof version).toBe('string');
          expect(version.length).toBeGreaterThan(0);
          // The version it returns goes on to parseVersionSpec: that one only throws InputError.
          onlyTyped(() => parseVersionSpec(version), InputError);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('parseVersionSpec only throws InputError naming go-version, for any text', () => {
    fc.assert(
      fc.property(fc.oneof(goVersion, fc.constantFrom('stable', 'oldstable', '^1.25', '>=1.24 <1.26', '1.x', 'go1.22', 'v1.22'), anyText), (text) => {
        try {
          parseVersionSpec(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InputError);
          expect((error as InputError).input).toBe('go-version');
          expect((error as InputError).value).toBe(text);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
