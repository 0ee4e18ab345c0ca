import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ElfError, readElf, staticBinaryProblems } from '../../src/go/elf.js';

/** A minimal little-endian ELF64: one PT_LOAD over the file, optional PT_INTERP and PT_DYNAMIC. */
function elf64(options: { machine: number; interpreter?: string; needed?: string[] }): Buffer {
  const base = 0x400000n;
  const headers = 1 + (options.interpreter ? 1 : 0) + (options.needed ? 1 : 0);
  const dataStart = 64 + 56 * headers;
  const strings = Buffer.from(`\0${(options.needed ?? []).join('\0')}\0${options.interpreter ?? ''}\0`, 'latin1');
  const interpOffset = dataStart + 1 + (options.needed ?? []).join('\0').length + 1;
  const dynamicStart = dataStart + strings.length;
  const needed = options.needed ?? [];
  const dynamic = Buffer.alloc(16 * (needed.length + 2));
  let nameOffset = 1;
  needed.forEach((name, i) => {
    dynamic.writeBigUInt64LE(1n, i * 16);
    dynamic.writeBigUInt64LE(BigInt(nameOffset), i * 16 + 8);
    nameOffset += name.length + 1;
  });
  dynamic.writeBigUInt64LE(5n, needed.length * 16);
  dynamic.writeBigUInt64LE(base + BigInt(dataStart), needed.length * 16 + 8);
  const file = Buffer.alloc(dynamicStart + (options.needed ? dynamic.length : 0));
  file.writeUInt32BE(0x7f454c46, 0);
  file[4] = 2;
  file[5] = 1;
  file.writeUInt16LE(options.machine, 18);
  file.writeBigUInt64LE(64n, 32);
  file.writeUInt16LE(56, 54);
  file.writeUInt16LE(headers, 56);
  const program = (index: number, type: number, offset: number, size: number) => {
    const at = 64 + index * 56;
    file.writeUInt32LE(type, at);
    file.writeBigUInt64LE(BigInt(offset), at + 8);
    file.writeBigUInt64LE(base + BigInt(offset), at + 16);
    file.writeBigUInt64LE(BigInt(size), at + 32);
  };
  program(0, 1, 0, file.length);
  let index = 1;
  if (options.interpreter) program(index++, 3, interpOffset, options.interpreter.length + 1);
  if (options.needed) program(index++, 2, dynamicStart, dynamic.length);
  strings.copy(file, dataStart);
  if (options.needed) dynamic.copy(file, dynamicStart);
  return file;
}

describe('ELF checks', () => {
  it('accepts a static binary of the right machine', () => {
    const info = readElf(elf64({ machine: 62 }));
    expect(info).toEqual({ class: 64, littleEndian: true, machine: 62, needed: [] });
    expect(staticBinaryProblems(info, 'amd64')).toEqual([]);
  });

  it('names the interpreter and the libraries of a dynamic binary', () => {
    const info = readElf(elf64({ machine: 62, interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6', 'libpthread.so.0'] }));
    expect(info.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(info.needed).toEqual(['libc.so.6', 'libpthread.so.0']);
    const [problem] = staticBinaryProblems(info, 'amd64');
    expect(problem).toMatch(/dynamically linked .*libc\.so\.6, libpthread\.so\.0/);
  });

  it('flags a binary built for another machine', () => {
    expect(staticBinaryProblems(readElf(elf64({ machine: 62 })), 'arm64')[0]).toMatch(/not AArch64 for arm64/);
  });

  it('rejects files that are not ELF', () => {
    expect(() => readElf(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(64)))).toThrow(ElfError);
  });

  it('sees the dynamic libraries of this machine\'s node binary', () => {
    const info = readElf(readFileSync(process.execPath));
    expect(info.interpreter).toBeTruthy();
    expect(info.needed.some((lib) => lib.startsWith('libc.so'))).toBe(true);
  });
});
