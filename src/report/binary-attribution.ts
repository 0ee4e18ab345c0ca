import { promises as fs } from 'node:fs';
import { attributeCode, SECTIONS, type Attribution } from './attribution.js';
import { readBuildInfo } from '../go/buildinfo.js';
import { readElfSections, sectionBytes, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, type ElfSections } from '../go/elf-sections.js';
import { readFunctionTable } from '../go/pclntab.js';

/**
 * The bytes of the file that no function holds, by kind (pure): code sections minus the functions'
 * code is alignment padding; .gopclntab is the function table; other allocated sections are data
 * (writable) or read-only data; what is left of the file (ELF and program headers, the section
 * header table and names, the page alignment between segments) is file structure. Zero-filled
 * sections (.bss, .noptrbss) occupy no file bytes and are not counted.
 */
export function unnamedBytes(layout: ElfSections, fileSize: number, functionBytes: number): { label: string; bytes: number }[] {
  const bytes = { code: 0, functionTable: 0, data: 0, readOnlyData: 0 };
  for (const section of layout.sections) {
    if (section.type === SHT_NOBITS || (section.flags & SHF_ALLOC) === 0) continue;
    if (section.flags & SHF_EXECINSTR) bytes.code += section.size;
    else if (section.name === '.gopclntab') bytes.functionTable += section.size;
    else if (section.flags & SHF_WRITE) bytes.data += section.size;
    else bytes.readOnlyData += section.size;
  }
  const counted = bytes.code + bytes.functionTable + bytes.data + bytes.readOnlyData;
  return [
    { label: SECTIONS.readOnlyData, bytes: bytes.readOnlyData },
    { label: SECTIONS.functionTable, bytes: bytes.functionTable },
    { label: SECTIONS.data, bytes: bytes.data },
    { label: SECTIONS.codePadding, bytes: Math.max(0, bytes.code - functionBytes) },
    { label: SECTIONS.fileStructure, bytes: Math.max(0, fileSize - counted) },
  ];
}

/**
 * Attributes a Go ELF binary, stripped or not, to Go modules from its own bytes (pure): the
 * function table for code by module, the build information for the module list, the section
 * headers for the rest. Works for every GOARCH Go targets on Linux, either byte order, 32 or 64 bits.
 */
export function attributeBinaryBytes(file: Buffer): Attribution {
  const layout = readElfSections(file);
  const pclntab = sectionBytes(file, layout, '.gopclntab');
  if (!pclntab) throw new Error('the binary has no .gopclntab section (not a Go binary, or not ELF as Go links it)');
  const buildinfo = sectionBytes(file, layout, '.go.buildinfo');
  if (!buildinfo) throw new Error('the binary has no .go.buildinfo section (not a Go binary, or built before Go 1.18)');
  const { functions } = readFunctionTable(pclntab, layout.littleEndian);
  const info = readBuildInfo(buildinfo);
  const functionBytes = functions.reduce((sum, fn) => sum + fn.size, 0);
  return attributeCode(functions, info, unnamedBytes(layout, file.length, functionBytes));
}

/** Reads a built binary and attributes it (see attributeBinaryBytes): no Go toolchain needed. */
export async function attributeBinaryFile(binaryPath: string): Promise<Attribution> {
  return attributeBinaryBytes(await fs.readFile(binaryPath));
}
