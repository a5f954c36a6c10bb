// The board's imports, exactly as docs/board-abi.md lists them (module `env`, every value an i32).
// The firmware implements them in C for WAMR (signature strings in the comments), the virtual board
// and the tests in JavaScript (host/wasm/board-imports.ts). hetsyn_abort lives in runtime/abort.ts.
// Nothing else may be imported: tests/host/wasm-module.test.ts compares the module's imports with
// this list.

/** "(*~)i": copies up to `len` received bytes to `buf`; how many (0: none). Never blocks. */
@external('env', 'uart_read')
export declare function uartRead(buf: usize, len: i32): i32;

/** "(*~)i": queues up to `len` bytes for transmission; how many it took (0: transmitter full). */
@external('env', 'uart_write')
export declare function uartWrite(buf: usize, len: i32): i32;

/** "()i": the capacity in bytes of each of the two storage slots (u32). */
@external('env', 'storage_bytes')
export declare function storageBytes(): u32;

/** "(i)i": erases slot 0 or 1 (every byte reads 0xFF afterwards); 0 or a negative status. */
@external('env', 'storage_erase')
export declare function storageErase(slot: i32): i32;

/** "(ii*~)i": writes `len` bytes at `offset` of an erased region of the slot; 0 or negative. */
@external('env', 'storage_write')
export declare function storageWrite(slot: i32, offset: u32, buf: usize, len: i32): i32;

/** "(ii*~)i": reads `len` bytes at `offset` of the slot into `buf`; 0 or negative. */
@external('env', 'storage_read')
export declare function storageRead(slot: i32, offset: u32, buf: usize, len: i32): i32;

/**
 * "(i)i": the address at which the module reads slot 0 or 1 in place (its byte 0; storageBytes()
 * bytes, read-only), with every byte written so far programmed; 0 when the board cannot map it.
 */
@external('env', 'storage_map')
export declare function storageMap(slot: i32): usize;

/** "()i": a free-running microsecond clock (u32, wraps). */
@external('env', 'clock_us')
export declare function clockUs(): u32;

/** "(*~)": one line of UTF-8 text for the board's debug log, without a newline. */
@external('env', 'log')
export declare function logBytes(buf: usize, len: i32): void;

/**
 * "(*~)i": copies up to `len` bytes of 16-bit little-endian mono PCM, whole samples at the model's
 * front-end rate, from the ring the microphone driver fills; how many bytes (0: none yet). Never
 * blocks.
 */
@external('env', 'mic_read')
export declare function micRead(buf: usize, len: i32): i32;
