import { ElfError } from './elf.js';

/** One ELF section header, with the name resolved from the section-name string table. */
export interface ElfSection {
  name: string;
  /** sh_type: 8 (SHT_NOBITS) holds no file bytes (.bss, .noptrbss). */
  type: number;
  /** sh_flags: SHF_WRITE 1, SHF_ALLOC 2, SHF_EXECINSTR 4. */
  flags: number;
  /** Virtual address (0 for sections that are not loaded). */
  address: number;
  offset: number;
  size: number;
}

export interface ElfSections {
  class: 32 | 64;
  littleEndian: boolean;
  machine: number;
  sections: ElfSection[];
}

export const SHT_NOBITS = 8;
export const SHF_WRITE = 1;
export const SHF_ALLOC = 2;
export const SHF_EXECINSTR = 4;

/**
 * Reads the section header table of an ELF file held in memory (32- or 64-bit, either byte order).
 * Go keeps its section headers in binaries linked with `-s -w`: only .symtab, .strtab and the DWARF
 * sections go.
 */
export function readElfSections(file: Buffer): ElfSections {
  if (file.length < 52 || file.readUInt32BE(0) !== 0x7f454c46) throw new ElfError('not an ELF file');
  const elfClass = file[4] === 2 ? 64 : file[4] === 1 ? 32 : undefined;
  if (!elfClass) throw new ElfError(`unknown ELF class ${file[4]}`);
  const is64 = elfClass === 64;
  const littleEndian = file[5] === 1;
  const u16 = (o: number) => (littleEndian ? file.readUInt16LE(o) : file.readUInt16BE(o));
  const u32 = (o: number) => (littleEndian ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const word = (o: number) => (is64 ? Number(littleEndian ? file.readBigUInt64LE(o) : file.readBigUInt64BE(o)) : u32(o));
  const shoff = word(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0 || shnum === 0) throw new ElfError('no section header table');
  if (shoff + shnum * shentsize > file.length) throw new ElfError('truncated section header table');

  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      nameOffset: u32(at),
      type: u32(at + 4),
      flags: word(at + 8),
      address: word(at + (is64 ? 0x10 : 0x0c)),
      offset: word(at + (is64 ? 0x18 : 0x10)),
      size: word(at + (is64 ? 0x20 : 0x14)),
    };
  });
  const names = raw[shstrndx];
  if (!names || names.offset + names.size > file.length) throw new ElfError('no section name table');
  const sections = raw.map(({ nameOffset, ...section }) => {
    const start = names.offset + nameOffset;
    const end = file.indexOf(0, start);
    const name = file.subarray(start, end < 0 || end > names.offset + names.size ? names.offset + names.size : end).toString('latin1');
    if (section.type !== SHT_NOBITS && section.offset + section.size > file.length) throw new ElfError(`section ${name} runs past the end of the file`);
    return { name, ...section };
  });
  return { class: elfClass, littleEndian, machine: u16(18), sections };
}

/** The bytes of a section, undefined when the file has none by that name or it holds no file bytes. */
export function sectionBytes(file: Buffer, layout: ElfSections, name: string): Buffer | undefined {
  const section = layout.sections.find((s) => s.name === name);
  if (!section || section.type === SHT_NOBITS) return undefined;
  return file.subarray(section.offset, section.offset + section.size);
}
