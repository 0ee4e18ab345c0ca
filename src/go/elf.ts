import { promises as fs } from 'node:fs';
import { ActionError } from '../errors.js';
import { formatPlatform, type Platform } from '../platform.js';

/** What an ELF file says about itself: enough to prove a binary is static and for the right CPU. */
export interface ElfInfo {
  class: 32 | 64;
  littleEndian: boolean;
  machine: number;
  /** The program interpreter (PT_INTERP), e.g. /lib64/ld-linux-x86-64.so.2; absent for static binaries. */
  interpreter?: string;
  /** DT_NEEDED entries of the dynamic section. */
  needed: string[];
}

export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;

/** ELF e_machine and class per GOARCH. */
export const GOARCH_ELF: Record<string, { machine: number; class: 32 | 64; littleEndian: boolean; name: string }> = {
  amd64: { machine: 62, class: 64, littleEndian: true, name: 'x86-64' },
  '386': { machine: 3, class: 32, littleEndian: true, name: 'Intel 80386' },
  arm64: { machine: 183, class: 64, littleEndian: true, name: 'AArch64' },
  arm: { machine: 40, class: 32, littleEndian: true, name: 'ARM' },
  ppc64le: { machine: 21, class: 64, littleEndian: true, name: 'PowerPC64 LE' },
  ppc64: { machine: 21, class: 64, littleEndian: false, name: 'PowerPC64' },
  s390x: { machine: 22, class: 64, littleEndian: false, name: 'IBM S/390' },
  riscv64: { machine: 243, class: 64, littleEndian: true, name: 'RISC-V' },
  mips64le: { machine: 8, class: 64, littleEndian: true, name: 'MIPS64 LE' },
  mips64: { machine: 8, class: 64, littleEndian: false, name: 'MIPS64' },
  mipsle: { machine: 8, class: 32, littleEndian: true, name: 'MIPS LE' },
  mips: { machine: 8, class: 32, littleEndian: false, name: 'MIPS' },
  loong64: { machine: 258, class: 64, littleEndian: true, name: 'LoongArch' },
};

/** Parses the ELF header, program headers and dynamic section of a whole file held in memory. */
export function readElf(data: Buffer): ElfInfo {
  if (data.length < 52 || data.readUInt32BE(0) !== 0x7f454c46) throw new ElfError('not an ELF file');
  const elfClass = data[4] === 2 ? 64 : data[4] === 1 ? 32 : undefined;
  if (!elfClass) throw new ElfError(`unknown ELF class ${data[4]}`);
  const littleEndian = data[5] === 1;
  const is64 = elfClass === 64;
  const u16 = (offset: number) => (littleEndian ? data.readUInt16LE(offset) : data.readUInt16BE(offset));
  const u32 = (offset: number) => (littleEndian ? data.readUInt32LE(offset) : data.readUInt32BE(offset));
  const word = (offset: number): bigint => {
    if (!is64) return BigInt(u32(offset));
    return littleEndian ? data.readBigUInt64LE(offset) : data.readBigUInt64BE(offset);
  };
  const machine = u16(18);
  const phoff = Number(word(is64 ? 32 : 28));
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);

  const segments: { type: number; offset: number; vaddr: bigint; filesz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const base = phoff + i * phentsize;
    if (base + phentsize > data.length) throw new ElfError('truncated program header table');
    const type = u32(base);
    const offset = Number(is64 ? word(base + 8) : word(base + 4));
    const vaddr = is64 ? word(base + 16) : word(base + 8);
    const filesz = Number(is64 ? word(base + 32) : word(base + 16));
    segments.push({ type, offset, vaddr, filesz });
  }

  const info: ElfInfo = { class: elfClass, littleEndian, machine, needed: [] };
  const interp = segments.find((s) => s.type === PT_INTERP);
  if (interp) info.interpreter = data.subarray(interp.offset, interp.offset + interp.filesz).toString('latin1').replace(/\0+$/, '');

  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (dynamic) {
    const entrySize = is64 ? 16 : 8;
    const entries: { tag: bigint; value: bigint }[] = [];
    for (let at = dynamic.offset; at + entrySize <= dynamic.offset + dynamic.filesz; at += entrySize) {
      const tag = word(at);
      if (tag === DT_NULL) break;
      entries.push({ tag, value: word(at + entrySize / 2) });
    }
    const strtabAddr = entries.find((e) => e.tag === DT_STRTAB)?.value;
    const load = strtabAddr === undefined ? undefined : segments.find((s) => s.type === PT_LOAD && s.vaddr <= strtabAddr && strtabAddr < s.vaddr + BigInt(s.filesz));
    if (strtabAddr !== undefined && load) {
      const strtab = load.offset + Number(strtabAddr - load.vaddr);
      for (const entry of entries.filter((e) => e.tag === DT_NEEDED)) {
        const start = strtab + Number(entry.value);
        const end = data.indexOf(0, start);
        info.needed.push(data.subarray(start, end < 0 ? undefined : end).toString('latin1'));
      }
    }
  }
  return info;
}

/** Problems that keep a binary out of a scratch image for `goarch`; empty when it fits. */
export function staticBinaryProblems(info: ElfInfo, goarch: string): string[] {
  const problems: string[] = [];
  const expected = GOARCH_ELF[goarch];
  if (expected && (info.machine !== expected.machine || info.class !== expected.class || info.littleEndian !== expected.littleEndian)) {
    problems.push(`it is built for ELF machine ${info.machine} (${info.class}-bit ${info.littleEndian ? 'LE' : 'BE'}), not ${expected.name} for ${goarch}`);
  }
  if (info.interpreter || info.needed.length > 0) {
    const libraries = info.needed.length > 0 ? info.needed.join(', ') : 'none listed';
    problems.push(
      `it is dynamically linked (interpreter ${info.interpreter ?? 'none'}; needs ${libraries}) and cannot run in a scratch image; ` +
        'build it with CGO_ENABLED=0 and without -linkmode=external or -buildmode=pie (check GOFLAGS)',
    );
  }
  return problems;
}

/** Fails on the first compiled binary that could not run in the image (dynamic, wrong machine, …). */
export async function checkStaticBinaries(binaries: readonly { path: string; platform: Platform }[]): Promise<void> {
  for (const binary of binaries) {
    const problems = staticBinaryProblems(readElf(await fs.readFile(binary.path)), binary.platform.arch);
    if (problems.length > 0) throw new ActionError(`The ${formatPlatform(binary.platform)} binary cannot go into the image: ${problems.join('; ')}.`);
  }
}
