/**
 * Go's function table (pclntab), which every Go binary keeps even when linked with `-s -w`: the
 * runtime needs it for stack traces and garbage collection. From it: every function's name, its
 * entry offset in the text section, and the length of its code.
 *
 * Layout (Go 1.18+, runtime/symtab.go `pcHeader`, internal/abi/symtab.go): a header of 8 bytes
 * (magic, two zero pad bytes, the instruction-size quantum, the pointer size) and then pointer-sized
 * words: nfunc, nfiles, (unused), and the offsets from the header of funcnametab, cutab, filetab,
 * pctab and the function table. The function table holds nfunc pairs of uint32
 * (entry offset from the start of .text, offset of the `_func` record from the table) sorted by
 * entry, then one uint32: the end of the text. All words are in the target's byte order.
 *
 * Code length: the gap to the next function's entry also holds the alignment padding the linker
 * inserts (32 bytes on amd64, INT3-filled; 16 on arm64, zeros; ...). Instead of guessing padding
 * bytes per architecture, the length comes from the function's pc→stack-pointer-delta table
 * (`pcsp`): the compiler and assembler encode it over exactly the function's code, so the last pc
 * it covers is the function's end, which is the symbol size `go tool nm -size` prints. A function
 * without that table (none in practice) keeps the whole gap.
 */

export interface GoFunction {
  name: string;
  /** Entry, as an offset from the start of the text section. */
  entry: number;
  /** Bytes of code, without the alignment padding after it. */
  size: number;
}

export interface FunctionTable {
  /** `go1.18` for the 1.18–1.19 format, `go1.20` for 1.20 and later. */
  format: 'go1.18' | 'go1.20';
  /** Sorted by entry. */
  functions: GoFunction[];
  /** Offset from the start of the text section where the last function ends (with its padding). */
  textEnd: number;
}

export class PclntabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PclntabError';
  }
}

const MAGIC: Record<number, FunctionTable['format']> = { 0xfffffff0: 'go1.18', 0xfffffff1: 'go1.20' };
const OLDER_MAGIC: Record<number, string> = { 0xfffffffb: 'Go 1.2–1.15', 0xfffffffa: 'Go 1.16–1.17' };

/** `_func` field offsets (all uint32): entryOff, nameOff, args, deferreturn, pcsp. */
const FUNC_NAME = 4;
const FUNC_PCSP = 16;

/** Parses a pclntab (the bytes of .gopclntab) into its functions. */
export function readFunctionTable(table: Buffer, littleEndian: boolean): FunctionTable {
  if (table.length < 8) throw new PclntabError('the function table is too short');
  const u32 = (o: number) => (littleEndian ? table.readUInt32LE(o) : table.readUInt32BE(o));
  const magic = u32(0);
  const format = MAGIC[magic];
  if (!format) {
    const older = OLDER_MAGIC[magic];
    throw new PclntabError(older ? `the binary was built by ${older}; module attribution reads Go 1.18 and later` : `unknown function table magic 0x${magic.toString(16)}`);
  }
  const quantum = table[6]!;
  const pointerSize = table[7]!;
  if (table[4] !== 0 || table[5] !== 0 || ![1, 2, 4].includes(quantum) || ![4, 8].includes(pointerSize)) {
    throw new PclntabError('malformed function table header');
  }
  const word = (index: number): number => {
    const at = 8 + index * pointerSize;
    if (pointerSize === 4) return u32(at);
    return Number(littleEndian ? table.readBigUInt64LE(at) : table.readBigUInt64BE(at));
  };
  const count = word(0);
  const names = word(3);
  const pctab = word(6);
  const ftab = word(7);
  if (ftab + (count * 2 + 1) * 4 > table.length || names > table.length || pctab > table.length) {
    throw new PclntabError('the function table runs past its section');
  }

  const functions: GoFunction[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const entry = u32(ftab + i * 8);
    const record = ftab + u32(ftab + i * 8 + 4);
    const next = u32(ftab + (i + 1) * 8);
    const nameStart = names + u32(record + FUNC_NAME);
    const nameEnd = table.indexOf(0, nameStart);
    const name = table.toString('utf8', nameStart, nameEnd < 0 ? table.length : nameEnd);
    const pcsp = u32(record + FUNC_PCSP);
    const covered = pcsp === 0 ? undefined : pcvalueLength(table, pctab + pcsp, quantum);
    const span = next - entry;
    functions[i] = { name, entry, size: covered !== undefined && covered <= span ? covered : span };
  }
  return { format, functions, textEnd: u32(ftab + count * 8) };
}

/**
 * The number of code bytes a pcvalue table covers: the sum of its pc deltas (runtime/symtab.go
 * `step`). Each entry is a zig-zag value delta and a pc delta, both unsigned varints; a zero value
 * delta after the first entry ends the table. Undefined when the table is malformed.
 */
export function pcvalueLength(table: Buffer, start: number, quantum: number): number | undefined {
  let at = start;
  let pc = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = table[at++];
      if (byte === undefined) return undefined;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  for (let first = true; ; first = false) {
    if (at >= table.length) return undefined;
    if (table[at] === 0 && !first) return pc;
    if (varint() === undefined) return undefined;
    const delta = varint();
    if (delta === undefined) return undefined;
    pc += delta * quantum;
  }
}
