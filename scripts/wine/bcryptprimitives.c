/*
 * Test harness only: wine 8 has no bcryptprimitives.dll, which Go >= 1.22 loads for ProcessPrng
 * (its random source on Windows). Wine adds it in 9. This stand-in fills the buffer from
 * RtlGenRandom (advapi32's SystemFunction036), which wine 8 has.
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
  while (size > 0) {
    ULONG n = size > 0x40000000 ? 0x40000000 : (ULONG)size;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n;
    size -= n;
  }
  return TRUE;
}
