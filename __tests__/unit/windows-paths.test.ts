import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { inputErrorOf } from '../helpers/input-error.js';
import { goBinaryName, mainImportPath, parseGoMod } from '../../src/go/gomod.js';
import { resolveInside, type PathFs } from '../../src/config/paths.js';
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

/**
 * A Windows file system for path.win32: case-insensitive names kept in their own case, and links
 * (junctions, symbolic links) as folder -> target.
 */
function windowsFs(folders: readonly string[], links: Readonly<Record<string, string>>): PathFs {
  const win = path.win32;
  const key = (file: string) => win.resolve(file).toLowerCase();
  const ancestors = (file: string): string[] => (win.dirname(file) === file ? [file] : [file, ...ancestors(win.dirname(file))]);
  const canonical = new Map([...folders, ...Object.keys(links)].flatMap((f) => ancestors(win.resolve(f))).map((f) => [key(f), f]));
  const link = new Map(Object.entries(links).map(([from, to]) => [key(from), to]));
  const missing = (file: string) => Object.assign(new Error(`ENOENT: no such file or directory, '${file}'`), { code: 'ENOENT' });
  return {
    realpathSync(file) {
      const { root } = win.parse(win.resolve(file));
      let real = canonical.get(key(root)) ?? root;
      for (const part of win.resolve(file).slice(root.length).split('\\').filter(Boolean)) {
        const next = win.join(real, part);
        for (let hops = 0; link.has(key(next)) && hops < 40; hops++) real = win.resolve(win.dirname(next), link.get(key(next))!);
        if (!link.has(key(next))) {
          if (!canonical.has(key(next))) throw missing(file);
          real = canonical.get(key(next))!;
        }
      }
      return real;
    },
    lstatSync(file) {
      if (!canonical.has(key(file))) throw missing(file);
      return { isSymbolicLink: () => link.has(key(file)) };
    },
    readlinkSync(file) {
      const target = link.get(key(file));
      if (target === undefined) throw missing(file);
      return target;
    },
  };
}

describe('path inputs inside the workspace on a Windows runner (resolveInside with path.win32)', () => {
  const fsImpl = windowsFs(['C:\\a\\ws\\svc\\cmd', 'C:\\a\\outside', 'C:\\a\\ws-other', 'D:\\a\\ws', '\\\\server\\share\\ws\\svc', '\\\\server\\share\\other'], {
    'C:\\a\\ws\\out': '..\\outside',
    'C:\\a\\ws\\abs': 'C:\\a\\outside',
    'C:\\a\\ws\\svc-link': 'svc',
  });
  const resolve = (workspace: string, value: string, base = workspace) => resolveInside(workspace, 'working-directory', value, base, fsImpl, path.win32);

  it.each([
    ['a relative folder', 'C:\\a\\ws', 'svc', 'C:\\a\\ws\\svc'],
    ['backslashes', 'C:\\a\\ws', 'svc\\cmd', 'C:\\a\\ws\\svc\\cmd'],
    ['mixed separators', 'C:\\a\\ws', './svc/cmd\\', 'C:\\a\\ws\\svc\\cmd'],
    ['an absolute path inside', 'C:\\a\\ws', 'C:\\a\\ws\\svc', 'C:\\a\\ws\\svc'],
    ['forward slashes with a drive', 'C:\\a\\ws', 'C:/a/ws/svc/cmd', 'C:\\a\\ws\\svc\\cmd'],
    ['a lower-case drive and other letter case (NTFS ignores case)', 'C:\\a\\ws', 'c:\\A\\WS\\SVC', 'C:\\a\\ws\\svc'],
    ['a root-relative path on the same drive', 'C:\\a\\ws', '\\a\\ws\\svc', 'C:\\a\\ws\\svc'],
    ['.. that stays inside', 'C:\\a\\ws', 'svc\\cmd\\..\\..\\svc', 'C:\\a\\ws\\svc'],
    ['a link that stays inside', 'C:\\a\\ws', 'svc-link\\cmd', 'C:\\a\\ws\\svc\\cmd'],
    ['the workspace itself', 'C:\\a\\ws', '.', 'C:\\a\\ws'],
    ['a UNC workspace', '\\\\server\\share\\ws', 'svc', '\\\\server\\share\\ws\\svc'],
    ['a UNC workspace, forward slashes', '\\\\server\\share\\ws', '//server/share/ws/svc', '\\\\server\\share\\ws\\svc'],
  ])('accepts %s', (_name, workspace, value, resolved) => {
    expect(resolve(workspace, value)).toBe(resolved);
  });

  it('resolves against the working directory when given one (dockerfile, secret-files, go-version-file)', () => {
    expect(resolveInside('C:\\a\\ws', 'dockerfile', '..\\svc\\cmd', 'C:\\a\\ws\\svc', fsImpl, path.win32)).toBe('C:\\a\\ws\\svc\\cmd');
    expect(inputErrorOf(() => resolveInside('C:\\a\\ws', 'dockerfile', '..\\..\\outside', 'C:\\a\\ws\\svc', fsImpl, path.win32)).input).toBe('dockerfile');
  });

  it.each([
    ['.. out of the workspace', 'C:\\a\\ws', '..\\outside'],
    ['.. after a folder', 'C:\\a\\ws', 'svc\\..\\..\\outside'],
    ['.. with forward slashes', 'C:\\a\\ws', 'svc/../../outside'],
    ['the parent itself', 'C:\\a\\ws', '..'],
    ['a sibling whose name starts with the workspace\'s', 'C:\\a\\ws', 'C:\\a\\ws-other'],
    ['another drive', 'C:\\a\\ws', 'D:\\a\\ws'],
    ['another drive, relative to its current folder', 'C:\\a\\ws', 'D:a\\ws'],
    ['a root-relative path leaving the workspace', 'C:\\a\\ws', '\\a\\outside'],
    ['a UNC path', 'C:\\a\\ws', '\\\\server\\share\\ws'],
    ['a UNC path with forward slashes', 'C:\\a\\ws', '//server/share/ws'],
    ['.. out of a UNC workspace', '\\\\server\\share\\ws', '..\\other'],
    ['.. past the UNC share root', '\\\\server\\share\\ws', '..\\..\\..\\other'],
    ['a drive path from a UNC workspace', '\\\\server\\share\\ws', 'C:\\a\\ws'],
  ])('refuses %s, naming the input, the value and the workspace', (_name, workspace, value) => {
    const error = inputErrorOf(() => resolve(workspace, value));
    expect([error.input, error.value]).toEqual(['working-directory', value]);
    expect(error.message).toContain(`a path inside the workspace (${workspace})`);
    expect(error.message).not.toContain('symbolic link');
  });

  it.each([
    ['a relative junction', 'out\\svc'],
    ['an absolute one', 'abs'],
  ])('refuses %s out of the workspace, saying where it leads', (_name, value) => {
    const error = inputErrorOf(() => resolve('C:\\a\\ws', value));
    expect(error.message).toContain('through a symbolic link');
    expect(error.message).toContain('C:\\a\\outside');
  });
});
