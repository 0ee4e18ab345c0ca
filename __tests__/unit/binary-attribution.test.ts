import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { attributeBinaryBytes, attributeBinaryFile } from '../../src/report/binary-attribution.js';
import { BuildInfoError, readBuildInfo } from '../../src/go/buildinfo.js';
import { readElfSections, sectionBytes, SHF_EXECINSTR } from '../../src/go/elf-sections.js';
import { PclntabError, pcvalueLength, readFunctionTable } from '../../src/go/pclntab.js';
import { SECTIONS, STD } from '../../src/report/attribution.js';
import { nmAttribution } from '../helpers/nm-attribution.js';

const run = promisify(execFile);

// A small module of its own: a main package, a second package with a method, a generic function
// and a closure, so every kind of function name is in the table. Built for every byte order and
// word size Go targets on Linux, stripped the way the action ships binaries, and unstripped as the
// `go tool nm` oracle.
const ARCHES = [
  { goarch: 'amd64', class: 64, littleEndian: true },
  { goarch: 'arm64', class: 64, littleEndian: true },
  { goarch: 'arm', class: 32, littleEndian: true, env: { GOARM: '7' } },
  { goarch: 's390x', class: 64, littleEndian: false },
  { goarch: 'ppc64le', class: 64, littleEndian: true },
  { goarch: 'riscv64', class: 64, littleEndian: true },
] as const;

const SOURCES: Record<string, string> = {
  'go.mod': 'module example.com/tiny\n\ngo 1.22\n',
  'greet/greet.go': `package greet

import "strings"

type Greeter struct{ Name string }

//go:noinline
func (g *Greeter) Greet() string { return "hello, " + strings.ToUpper(g.Name) }

//go:noinline
func Map[T any](xs []T, f func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
`,
  'main.go': `package main

import (
	"fmt"
	"os"

	"example.com/tiny/greet"
)

func main() {
	g := &greet.Greeter{Name: os.Args[0]}
	fmt.Println(greet.Map([]int{1, 2}, func(i int) string { return fmt.Sprint(i, g.Greet()) }))
}
`,
};

let work: string;
const binary = (goarch: string, stripped = true) => path.join(work, `tiny-${goarch}${stripped ? '' : '.unstripped'}`);

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-pclntab-'));
  for (const [file, text] of Object.entries(SOURCES)) {
    await fs.mkdir(path.dirname(path.join(work, file)), { recursive: true });
    await fs.writeFile(path.join(work, file), text);
  }
  for (const arch of ARCHES) {
    const env = { ...process.env, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: arch.goarch, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', ...('env' in arch ? arch.env : {}) };
    await run('go', ['build', '-trimpath', '-ldflags=-s -w -buildid=', '-o', binary(arch.goarch), '.'], { cwd: work, env });
    await run('go', ['build', '-trimpath', '-ldflags=-buildid=', '-o', binary(arch.goarch, false), '.'], { cwd: work, env });
  }
}, 900_000);
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe.each(ARCHES)('a stripped linux/$goarch binary', (arch) => {
  it('has its function table: names, entries in order, code that fits the text', () => {
    const file = readFileSync(binary(arch.goarch));
    const layout = readElfSections(file);
    expect(layout).toMatchObject({ class: arch.class, littleEndian: arch.littleEndian });
    const table = readFunctionTable(sectionBytes(file, layout, '.gopclntab')!, layout.littleEndian);
    expect(table.format).toBe('go1.20');
    expect(table.functions.length).toBeGreaterThan(1000);
    const names = new Set(table.functions.map((f) => f.name));
    for (const name of ['main.main', 'runtime.main', 'example.com/tiny/greet.(*Greeter).Greet', 'main.main.func1', 'example.com/tiny/greet.Map[go.shape.int]']) expect(names).toContain(name);
    const text = layout.sections.filter((s) => s.flags & SHF_EXECINSTR).reduce((sum, s) => sum + s.size, 0);
    const code = table.functions.reduce((sum, f) => sum + f.size, 0);
    expect(code).toBeLessThanOrEqual(text);
    expect(code).toBeGreaterThan(text * 0.8);
    table.functions.forEach((fn, i) => {
      expect(fn.size).toBeGreaterThan(0);
      const next = table.functions[i + 1]?.entry ?? table.textEnd;
      expect(fn.entry + fn.size).toBeLessThanOrEqual(next);
    });
  });

  it('has the code sizes go tool nm gives the unstripped build, within 0.1% in total', () => {
    const file = readFileSync(binary(arch.goarch));
    const layout = readElfSections(file);
    const code = readFunctionTable(sectionBytes(file, layout, '.gopclntab')!, layout.littleEndian).functions.reduce((sum, f) => sum + f.size, 0);
    const nm = nmAttribution(binary(arch.goarch, false), 'Tt').total;
    expect(Math.abs(code - nm) / nm).toBeLessThan(0.001);
  });

  it('is attributed to std and the main module, and the entries add up to the file size', async () => {
    const attribution = await attributeBinaryFile(binary(arch.goarch));
    expect(attribution).toMatchObject({ mainModule: 'example.com/tiny', basis: 'pclntab' });
    expect(attribution.goVersion).toMatch(/^go1\.\d+/);
    const byName = new Map(attribution.modules.map((m) => [m.module, m]));
    expect(attribution.modules.find((m) => m.kind !== 'section')!.module).toBe(STD);
    expect(byName.get('example.com/tiny')).toMatchObject({ kind: 'main' });
    expect(byName.get('example.com/tiny')!.bytes).toBeGreaterThan(100);
    expect(byName.get('example.com/tiny')!.bytes).toBeLessThan(10_000);
    for (const label of [SECTIONS.readOnlyData, SECTIONS.functionTable, SECTIONS.data, SECTIONS.codePadding, SECTIONS.fileStructure]) expect(byName.get(label)?.kind).toBe('section');
    const { size } = await fs.stat(binary(arch.goarch));
    expect(attribution.total).toBe(size);
    expect(attribution.modules.reduce((sum, m) => sum + m.bytes, 0)).toBe(size);
  });
});

describe('the build information of a stripped binary', () => {
  it('names the Go version, the main module and the build settings', () => {
    const file = readFileSync(binary('s390x'));
    const info = readBuildInfo(sectionBytes(file, readElfSections(file), '.go.buildinfo')!);
    expect(info).toMatchObject({ path: 'example.com/tiny', mainModule: 'example.com/tiny', deps: [] });
    expect(info.goVersion).toMatch(/^go1\.\d+/);
    expect(info.settings).toMatchObject({ GOOS: 'linux', GOARCH: 's390x', CGO_ENABLED: '0', '-trimpath': 'true' });
  });

  it('refuses bytes that are not one, and the pre-1.18 pointer form', () => {
    expect(() => readBuildInfo(Buffer.alloc(64))).toThrow(BuildInfoError);
    const pointers = Buffer.alloc(64);
    pointers.write('\xff Go buildinf:', 'latin1');
    pointers[14] = 8;
    expect(() => readBuildInfo(pointers)).toThrow(/predates Go 1\.18/);
  });
});

describe('function table errors', () => {
  const header = (magic: number) => {
    const table = Buffer.alloc(8 + 8 * 8);
    table.writeUInt32LE(magic, 0);
    table[6] = 1;
    table[7] = 8;
    return table;
  };

  it.each([
    ['0xfffffffa', /Go 1\.16–1\.17.*reads Go 1\.18 and later/],
    ['0xfffffffb', /Go 1\.2–1\.15/],
    ['0x12345678', /unknown function table magic 0x12345678/],
  ])('magic %s is refused with a reason', (hex, message) => {
    const magic = Number(hex);
    expect(() => readFunctionTable(header(magic), true)).toThrow(message);
    expect(() => readFunctionTable(header(magic), true)).toThrow(PclntabError);
  });

  it('refuses a header whose offsets run past the table', () => {
    const table = header(0xfffffff1);
    table.writeBigUInt64LE(1000n, 8);
    expect(() => readFunctionTable(table, true)).toThrow(/runs past its section/);
  });

  it('reads the 1.18–1.19 format, the same layout under another magic', () => {
    // One function of 8 bytes at entry 0: header, empty name table entry, a pcsp table, the ftab.
    const table = Buffer.alloc(160);
    table.writeUInt32BE(0xfffffff0, 0);
    table[6] = 4;
    table[7] = 4;
    const words = [1, 0, 0, 40, 0, 0, 50, 60];
    words.forEach((w, i) => table.writeUInt32BE(w, 8 + i * 4));
    table.write('main.main\0', 40, 'latin1');
    Buffer.from([0x02, 0x01, 0x04, 0x01, 0x00]).copy(table, 51); // pcsp at pctab+1: two steps of 1 quantum (4 bytes) each
    table.writeUInt32BE(0, 60); // entry
    table.writeUInt32BE(12, 64); // _func at ftab+12
    table.writeUInt32BE(16, 68); // end of text: 8 bytes of code, 8 of padding
    table.writeUInt32BE(0, 72 + 4); // nameOff
    table.writeUInt32BE(1, 72 + 16); // pcsp
    expect(readFunctionTable(table, false)).toEqual({ format: 'go1.18', functions: [{ name: 'main.main', entry: 0, size: 8 }], textEnd: 16 });
  });
});

describe('pcvalue tables', () => {
  it.each([
    ['one step', [0x02, 0x05, 0x00], 1, 5],
    ['quantum 4', [0x02, 0x05, 0x00], 4, 20],
    ['a first value delta of zero does not end it', [0x00, 0x03, 0x04, 0x02, 0x00], 1, 5],
    ['multi-byte varints', [0x82, 0x01, 0x80, 0x02, 0x00], 1, 256],
  ])('%s', (_name, bytes, quantum, length) => {
    expect(pcvalueLength(Buffer.from(bytes), 0, quantum)).toBe(length);
  });

  it('is undefined when the table runs off the end', () => {
    expect(pcvalueLength(Buffer.from([0x02, 0x85]), 0, 1)).toBeUndefined();
  });
});

describe('a file that is not a Go ELF binary', () => {
  it('is refused with what is missing', () => {
    expect(() => attributeBinaryBytes(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(64, ' ')))).toThrow(/not an ELF file/);
  });
});
