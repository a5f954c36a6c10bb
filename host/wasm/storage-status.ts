/**
 * The status codes of the storage imports (docs/board-abi.md, "Storage status codes"): what
 * storage_erase, storage_write and storage_read return, and what the board forwards as the detail
 * of a STORAGE error. The C firmware (firmware-bindings/include/hetsyn/hs_abi.h, enum
 * hs_storage_status) and the virtual board return the same code for the same failure; a test keeps
 * the doc, the C header and this table equal.
 */

export const StorageStatus = {
  OK: 0,
  SLOT: -1,
  RANGE: -2,
  NOT_ERASED: -3,
  DEVICE: -4,
  MEMORY: -5,
} as const;

export type StorageStatusName = keyof typeof StorageStatus;

/** The meaning column of docs/board-abi.md, word for word. */
const MEANINGS: Record<StorageStatusName, string> = {
  OK: 'success',
  SLOT: 'no such slot: not 0 or 1, or the board has no storage',
  RANGE: 'offset and length reach outside the slot',
  NOT_ERASED: 'a write over bytes that are not erased',
  DEVICE: 'the flash device failed to erase, program or read',
  MEMORY: 'a buffer outside linear memory (the call raised an exception too)',
};

export interface StorageStatusCode {
  code: number;
  name: string;
  meaning: string;
}

export const STORAGE_STATUS_CODES: readonly StorageStatusCode[] = (
  Object.entries(StorageStatus) as [StorageStatusName, number][]
).map(([name, code]) => ({ code, name, meaning: MEANINGS[name] }));

export function describeStorageStatus(code: number): StorageStatusCode {
  return (
    STORAGE_STATUS_CODES.find((s) => s.code === code) ?? {
      code,
      name: 'UNKNOWN',
      meaning: 'a storage status this host does not know',
    }
  );
}
