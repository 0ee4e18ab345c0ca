import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { goBinaryName, mainImportPath, parseGoMod } from '../../src/go/gomod.js';
import { mainPackagePaths } from '../../src/go/gotool.js';
import { goBinary, runnerPath } from '../../src/go/toolchain.js';
import { buildGoVersion, hostGoPlatform, matchToolCache, parseVersionFile, parseVersionSpec, selectArchive, type GoRelease } from '../../src/go/versions.js';

/** Windows and macOS runners, exercised from Linux with path.win32 / path.posix. */
const windows = hostGoPlatform('win32', 'x64');
const windowsArm = hostGoPlatform('win32', 'arm64');
const mac = hostGoPlatform('darwin', 'arm64');

describe('Go on Windows and macOS runners', () => {
  it('names the platform, archive and tool-cache arch as actions/setup-go does', () => {
    expect(windows).toEqual({ os: 'windows', arch: 'amd64', archiveExtension: '.zip', toolCacheArch: 'x64' });
    expect(windowsArm).toEqual({ os: 'windows', arch: 'arm64', archiveExtension: '.zip', toolCacheArch: 'arm64' });
    expect(mac).toEqual({ os: 'darwin', arch: 'arm64', archiveExtension: '.tar.gz', toolCacheArch: 'arm64' });
  });

  it.each([
    // setup-go's layout on a Windows runner: RUNNER_TOOL_CACHE\go\<semver>\<arch>
    ['C:\\hostedtoolcache\\windows\\go\\1.26.3\\x64', windows, 'C:\\hostedtoolcache\\windows\\go\\1.26.3\\x64\\bin\\go.exe'],
    ['D:\\a\\_temp\\go-slim-image-go-1\\extracted\\go\\', windows, 'D:\\a\\_temp\\go-slim-image-go-1\\extracted\\go\\bin\\go.exe'],
    ['/Users/runner/hostedtoolcache/go/1.26.3/arm64', mac, '/Users/runner/hostedtoolcache/go/1.26.3/arm64/bin/go'],
  ])('the go binary of %s', (goroot, platform, binary) => {
    expect(goBinary(goroot, platform)).toBe(binary);
  });

  it('joins with the runner\'s separators', () => {
    expect(runnerPath(windows)).toBe(path.win32);
    expect(runnerPath(mac)).toBe(path.posix);
  });

  it('finds a version in a Windows tool cache listing (folder names are semver)', () => {
    expect(matchToolCache(parseVersionSpec('1.26'), ['1.25.9', '1.26.1', '1.26.3'])).toBe('1.26.3');
  });

  it('picks the .zip archive on Windows', () => {
    const release: GoRelease = {
      version: 'go1.26.3',
      stable: true,
      files: [
        { filename: 'go1.26.3.windows-amd64.msi', os: 'windows', arch: 'amd64', version: 'go1.26.3', sha256: 'a', size: 1, kind: 'installer' },
        { filename: 'go1.26.3.windows-amd64.zip', os: 'windows', arch: 'amd64', version: 'go1.26.3', sha256: 'b', size: 1, kind: 'archive' },
      ],
    };
    expect(selectArchive(release, windows)?.filename).toBe('go1.26.3.windows-amd64.zip');
  });
});

describe('version files with CRLF and Windows paths', () => {
  it.each([
    ['go.mod', 'module example.com/a\r\n\r\ngo 1.26\r\n\r\ntoolchain go1.26.3\r\n', '1.26.3'],
    ['sub\\go.mod', 'module example.com/a\r\ngo 1.26.1\r\n', '1.26.1'],
    ['C:\\work\\app\\go.work', 'go 1.25\r\nuse .\r\n', '1.25'],
    ['.go-version', '1.26.3\r\n', '1.26.3'],
    ['C:\\work\\.go-version', '\r\n# pinned\r\ngo1.26\r\n', '1.26'],
    ['.tool-versions', 'nodejs 24.1.0\r\ngolang 1.25.4\r\n', '1.25.4'],
    ['tools\\.tool-versions', 'golang 1.25.4\r\n', '1.25.4'],
  ])('%s %j -> %s', (file, content, version) => {
    expect(parseVersionFile(file, content)).toBe(version);
    expect(buildGoVersion(file, content).version).toBe(version);
  });

  it('reads a CRLF go.mod whole', () => {
    expect(parseGoMod('module example.com/tool/v2\r\ngo 1.24.0\r\ntoolchain go1.23.4\r\n')).toEqual({ module: 'example.com/tool/v2', go: '1.24.0', toolchain: '1.23.4' });
    expect(buildGoVersion('app\\go.mod', 'module a\r\ngo 1.24.0\r\ntoolchain go1.23.4\r\n').version).toBe('1.24.0');
  });
});

describe('main packages with Windows separators', () => {
  it('names the binary from a backslash main package', () => {
    expect(goBinaryName(mainImportPath('example.com/tool/v2', '.\\cmd\\tool'))).toBe('tool');
  });

  it('lists main packages go list prints as Windows folders', () => {
    expect(mainPackagePaths('D:\\a\\app\\app\\cmd\\api\r\nD:\\a\\app\\app\r\n', 'D:\\a\\app\\app', path.win32)).toEqual(['.', './cmd/api']);
  });
});
