import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../src/errors.js';
import { GoModError } from '../../src/go/gomod.js';
import {
  closestVersions,
  downloadBaseUrl,
  goVersionToSemver,
  GoVersionNotFoundError,
  hostGoPlatform,
  matchToolCache,
  parseReleaseList,
  parseVersionFile,
  buildGoVersion,
  parseVersionSpec,
  releaseListUrl,
  resolveRelease,
  selectArchive,
  semverToGoVersion,
  VersionFileError,
  type GoPlatform,
  type GoRelease,
  type GoReleaseFile,
} from '../../src/go/versions.js';

const linuxAmd64 = hostGoPlatform('linux', 'x64');

function file(version: string, os: string, arch: string, ext: string, kind = 'archive'): GoReleaseFile {
  return { filename: `${version}.${os}-${arch}${ext}`, os, arch, version, sha256: 'a'.repeat(64), size: 1, kind };
}

function release(version: string, stable = true, platforms: [string, string][] = [['linux', 'amd64'], ['darwin', 'arm64'], ['windows', 'amd64']]): GoRelease {
  const files = platforms.map(([os, arch]) => file(version, os, arch, os === 'windows' ? '.zip' : '.tar.gz'));
  files.push(file(version, 'windows', 'amd64', '.msi', 'installer'), file(version, 'darwin', 'arm64', '.pkg', 'installer'));
  files.unshift({ filename: `${version}.src.tar.gz`, os: '', arch: '', version, sha256: 'b'.repeat(64), size: 1, kind: 'source' });
  return { version, stable, files };
}

/** Newest first, as go.dev lists them. */
const releases: GoRelease[] = [
  release('go1.27rc1', false),
  release('go1.26.8'),
  release('go1.26.7'),
  release('go1.26.3'),
  release('go1.26.0'),
  release('go1.25.9'),
  release('go1.25.0'),
  release('go1.24.13', true, [['linux', 'amd64']]),
  release('go1.21rc2', false),
  release('go1.20.1'),
  release('go1.20'),
];

function resolve(spec: string, platform: GoPlatform = linuxAmd64): string {
  return resolveRelease(parseVersionSpec(spec), releases, platform).version;
}

describe('Go versions and semver', () => {
  it.each([
    ['1.26.3', '1.26.3'],
    ['go1.26.3', '1.26.3'],
    ['1.26', '1.26.0'],
    ['1.21rc2', '1.21.0-rc.2'],
    ['go1.10beta1', '1.10.0-beta.1'],
    ['1.8.5rc1', '1.8.5-rc.1'],
  ])('%s -> %s', (go, sem) => {
    expect(goVersionToSemver(go)).toBe(sem);
  });

  it.each([
    ['1.26.3', '1.26.3'],
    ['1.27.0-rc.1', '1.27rc1'],
    ['1.21.0', '1.21.0'],
    ['1.20.0', '1.20'],
    ['1.20.1', '1.20.1'],
  ])('semver %s is Go %s', (sem, go) => {
    expect(semverToGoVersion(sem)).toBe(go);
  });

  it('rejects what is not a Go version', () => {
    expect(goVersionToSemver('latest')).toBeUndefined();
  });
});

describe('parseVersionFile', () => {
  it.each([
    ['go.mod', 'module example.com/a\n\ngo 1.22\n', '1.22'],
    ['go.mod', 'module example.com/a\n\ngo 1.22.3\n', '1.22.3'],
    ['go.mod', 'module example.com/a\ngo 1.22\ntoolchain go1.23.4\n', '1.23.4'],
    ['sub/go.mod', 'module example.com/a\ngo 1.21rc2\n', '1.21rc2'],
    ['go.work', 'go 1.23\n\nuse ./a\n', '1.23'],
    ['go.work', 'go 1.23\ntoolchain go1.24.1\nuse ./a\n', '1.24.1'],
    // As actions/setup-go reads it: the toolchain line, even when older than the go line.
    ['go.mod', 'module example.com/a\ngo 1.24.0\ntoolchain go1.23.4\n', '1.23.4'],
    ['.go-version', '1.26.3\n', '1.26.3'],
    ['.go-version', '\n# pinned\ngo1.26\n', '1.26'],
    ['.tool-versions', 'nodejs 24.1.0\ngolang 1.25.4 1.24.0\n', '1.25.4'],
    ['.tool-versions', '# asdf\ngo 1.26\n', '1.26'],
  ])('%s %j -> %s', (name, content, spec) => {
    expect(parseVersionFile(name, content)).toBe(spec);
  });

  it.each([
    // A toolchain line older than the go line cannot build the module under GOTOOLCHAIN=local: the go line wins.
    ['go.mod', 'module example.com/a\ngo 1.24.0\ntoolchain go1.23.4\n', '1.24.0', true],
    ['go.work', 'go 1.25\ntoolchain go1.24.9\nuse ./a\n', '1.25', true],
    ['go.mod', 'module example.com/a\ngo 1.24.0\ntoolchain go1.24rc2\n', '1.24.0', true],
    ['go.mod', 'module example.com/a\ngo 1.24rc1\ntoolchain go1.24.0\n', '1.24.0', false],
    ['go.mod', 'module example.com/a\ngo 1.24.2\ntoolchain go1.24.2\n', '1.24.2', false],
    ['go.mod', 'module example.com/a\ngo 1.22\ntoolchain go1.23.4\n', '1.23.4', false],
    ['go.mod', 'module example.com/a\ngo 1.22\n', '1.22', false],
    ['.go-version', '1.21.0\n', '1.21.0', false],
  ])('builds %s %j with %s', (name, content, version, noted) => {
    const build = buildGoVersion(name, content);
    expect(build.version).toBe(version);
    expect(build.note !== undefined).toBe(noted);
    if (noted) expect(build.note).toMatch(/older than the go line/);
  });

  it('refuses a go.mod without go or toolchain line, naming the file', () => {
    expect(() => parseVersionFile('app/go.mod', 'module example.com/a\n')).toThrow(/app\/go.mod: no go or toolchain line/);
  });

  it('refuses a malformed go.mod', () => {
    expect(() => parseVersionFile('go.mod', 'module a\ngo one\n')).toThrow(GoModError);
  });

  it('refuses a .tool-versions without golang, and an empty .go-version', () => {
    expect(() => parseVersionFile('.tool-versions', 'nodejs 24.1.0\n')).toThrow(VersionFileError);
    expect(() => parseVersionFile('.go-version', '\n\n')).toThrow(/empty/);
  });
});

describe('parseVersionSpec', () => {
  it.each([
    ['1.26.3', { kind: 'range', range: '1.26.3', exact: true }],
    ['1.26', { kind: 'range', range: '~1.26.0', exact: false }],
    ['go1.26', { kind: 'range', range: '~1.26.0', exact: false }],
    ['1.21rc2', { kind: 'range', range: '1.21.0-rc.2', exact: true }],
    ['^1.25', { kind: 'range', range: '^1.25', exact: false }],
    ['>=1.21rc1', { kind: 'range', range: '>=1.21.0-rc.1', exact: false }],
    ['stable', { kind: 'alias', alias: 'stable' }],
    [' OldStable ', { kind: 'alias', alias: 'oldstable' }],
  ])('%j', (text, expected) => {
    expect(parseVersionSpec(text)).toMatchObject(expected);
  });

  it.each(['latest-ish', '', 'one.two'])('rejects %j naming the input and what is accepted', (text) => {
    expect(() => parseVersionSpec(text)).toThrow(InputError);
    expect(() => parseVersionSpec(text, 'go-version-file')).toThrow(/Input 'go-version-file' .*1\.26\.3.*\^1\.25.*stable/);
  });
});

describe('resolveRelease', () => {
  it.each([
    ['1.26.3', '1.26.3'],
    ['1.26', '1.26.8'],
    ['1.25', '1.25.9'],
    ['^1.25', '1.26.8'],
    ['>=1.25.0 <1.25.5', '1.25.0'],
    ['>=1.24 <1.26', '1.25.9'],
    ['1.x', '1.26.8'],
    ['1.27rc1', '1.27rc1'],
    ['1.21rc2', '1.21rc2'],
    ['1.20', '1.20.1'],
    ['1.20.0', '1.20'],
    ['stable', '1.26.8'],
    ['oldstable', '1.25.9'],
  ])('%j resolves to %s', (spec, version) => {
    expect(resolve(spec)).toBe(version);
  });

  it('a go.mod "go 1.22"-style line takes the newest patch release of that minor', () => {
    expect(resolve(parseVersionFile('go.mod', 'module a\ngo 1.26\n'))).toBe('1.26.8');
    expect(resolve(parseVersionFile('go.mod', 'module a\ngo 1.26\ntoolchain go1.26.7\n'))).toBe('1.26.7');
  });

  it('skips releases without an archive for the platform', () => {
    const linuxOnly = hostGoPlatform('darwin', 'arm64');
    expect(resolve('1.24', linuxAmd64)).toBe('1.24.13');
    expect(() => resolve('1.24', linuxOnly)).toThrow(/No Go release matches "1.24" for darwin\/arm64/);
  });

  it('returns the archive, not the installer or source', () => {
    expect(resolveRelease(parseVersionSpec('1.26.8'), releases, hostGoPlatform('win32', 'x64')).file.filename).toBe('go1.26.8.windows-amd64.zip');
    expect(resolveRelease(parseVersionSpec('1.26.8'), releases, hostGoPlatform('darwin', 'arm64')).file.filename).toBe('go1.26.8.darwin-arm64.tar.gz');
  });

  it('lists the closest versions when nothing matches', () => {
    let error: unknown;
    try {
      resolve('1.26.99');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GoVersionNotFoundError);
    expect((error as GoVersionNotFoundError).closest).toEqual(['1.27rc1', '1.26.8', '1.26.7', '1.26.3', '1.26.0']);
    expect((error as Error).message).toMatch(/^No Go release matches "1.26.99" for linux\/amd64\. Closest available: 1\.27rc1, 1\.26\.8, .*go-version/);
  });

  it('closest versions for a version past the newest are the newest ones', () => {
    expect(() => resolve('1.30')).toThrow(/Closest available: 1\.27rc1, 1\.26\.8, 1\.26\.7, 1\.26\.3, 1\.26\.0\./);
    expect(closestVersions(parseVersionSpec('1.1'), ['1.20.0', '1.21.0', '1.22.0'])).toEqual(['1.22.0', '1.21.0', '1.20']);
  });

  it('an empty list says so', () => {
    expect(() => resolveRelease(parseVersionSpec('stable'), [], linuxAmd64)).toThrow(/has no release for this platform/);
  });
});

describe('matchToolCache', () => {
  const installed = ['1.25.9', '1.26.3', '1.26.8', '1.27.0-rc.1'];
  it.each([
    ['1.26', '1.26.8'],
    ['1.26.3', '1.26.3'],
    ['^1.25', '1.26.8'],
    ['1.25', '1.25.9'],
    ['1.27rc1', '1.27.0-rc.1'],
    ['1.24', undefined],
    ['stable', undefined],
  ])('%j -> %s', (spec, version) => {
    expect(matchToolCache(parseVersionSpec(spec), installed)).toBe(version);
  });
});

describe('platforms and archives', () => {
  it.each([
    ['linux', 'x64', { os: 'linux', arch: 'amd64', archiveExtension: '.tar.gz', toolCacheArch: 'x64' }],
    ['linux', 'arm64', { os: 'linux', arch: 'arm64', archiveExtension: '.tar.gz', toolCacheArch: 'arm64' }],
    ['darwin', 'arm64', { os: 'darwin', arch: 'arm64', archiveExtension: '.tar.gz', toolCacheArch: 'arm64' }],
    ['win32', 'x64', { os: 'windows', arch: 'amd64', archiveExtension: '.zip', toolCacheArch: 'x64' }],
  ])('%s/%s', (platform, arch, expected) => {
    expect(hostGoPlatform(platform, arch)).toEqual(expected);
  });

  it.each([
    ['linux', 'ia32'],
    ['freebsd', 'x64'],
    ['linux', 's390x'],
  ])('refuses %s/%s with what is supported', (platform, arch) => {
    expect(() => hostGoPlatform(platform, arch)).toThrow(new RegExp(`${platform}/${arch}\\): supported are Linux, macOS and Windows on x64 or arm64`));
  });

  it.each([
    ['linux', 'x64', 'go1.26.8.linux-amd64.tar.gz'],
    ['linux', 'arm64', undefined],
    ['darwin', 'arm64', 'go1.26.8.darwin-arm64.tar.gz'],
    ['win32', 'x64', 'go1.26.8.windows-amd64.zip'],
  ])('selectArchive %s/%s -> %s', (platform, arch, filename) => {
    expect(selectArchive(releases[1]!, hostGoPlatform(platform, arch))?.filename).toBe(filename);
  });
});

describe('release list and download URLs', () => {
  it('reads go.dev JSON and refuses anything else, naming the URL', () => {
    const json = JSON.parse(JSON.stringify(releases.slice(0, 2))) as unknown;
    expect(parseReleaseList(json, 'u')).toEqual(releases.slice(0, 2));
    expect(() => parseReleaseList({ message: 'rate limited' }, 'https://m/dl/?mode=json')).toThrow(/https:\/\/m\/dl\/\?mode=json did not return a Go release list \(not a JSON array\)/);
    expect(() => parseReleaseList([{ files: [] }], 'u')).toThrow(/entry 0/);
  });

  it.each([
    ['', {}, 'https://go.dev/dl'],
    ['', { GO_DOWNLOAD_BASE_URL: 'https://mirror.example/golang/' }, 'https://mirror.example/golang'],
    ['http://127.0.0.1:8080/dl/', { GO_DOWNLOAD_BASE_URL: 'https://ignored' }, 'http://127.0.0.1:8080/dl'],
  ])('base %j with env %j -> %s', (input, env, base) => {
    expect(downloadBaseUrl(input, env)).toBe(base);
    expect(releaseListUrl(downloadBaseUrl(input, env))).toBe(`${base}/?mode=json&include=all`);
  });

  it.each(['ftp://mirror/go', 'not a url'])('refuses base %j naming the input', (input) => {
    expect(() => downloadBaseUrl(input, {})).toThrow(/Input 'go-download-base-url' .*http\(s\) URL/);
  });
});
