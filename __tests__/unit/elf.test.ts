import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ElfError, readElf, staticBinaryProblems } from '../../src/go/elf.js';
import { elf64 } from '../fixtures/elf.js';

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
