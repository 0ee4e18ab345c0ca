import { ElfError } from './elf.js';

/** A virtual address range backed by bytes of the file. */
export interface AddressRange {
  start: number;
  end: number;
}

const PT_LOAD = 1;

/**
 * The address ranges of an ELF file's PT_LOAD segments that hold file bytes
 * ([p_vaddr, p_vaddr + p_filesz)). Memory beyond p_filesz is zero-filled .bss/.noptrbss: symbols
 * there cost nothing in the file (and `go tool nm` labels some of them D, not B).
 */
export function fileBackedRanges(file: Buffer): AddressRange[] {
  if (file.length < 52 || file.readUInt32BE(0) !== 0x7f454c46) throw new ElfError('not an ELF file');
  const is64 = file[4] === 2;
  const little = file[5] === 1;
  const u16 = (o: number) => (little ? file.readUInt16LE(o) : file.readUInt16BE(o));
  const u32 = (o: number) => (little ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const u64 = (o: number) => Number(little ? file.readBigUInt64LE(o) : file.readBigUInt64BE(o));
  const phoff = is64 ? u64(0x20) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  const ranges: AddressRange[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + phentsize > file.length) throw new ElfError('truncated program header table');
    if (u32(at) !== PT_LOAD) continue;
    const vaddr = is64 ? u64(at + 0x10) : u32(at + 0x08);
    const filesz = is64 ? u64(at + 0x20) : u32(at + 0x10);
    if (filesz > 0) ranges.push({ start: vaddr, end: vaddr + filesz });
  }
  return ranges;
}
