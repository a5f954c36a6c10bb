// The exports of a board build (asconfig.json's board-small target): the firmware's entry points
// and the few engine queries the virtual board reads (host/board/device.ts, DeviceExports). The
// host-simulation API of index.ts is left out, so the code only the host calls is not in the
// module: on a WAMR board every function costs RAM twice over (the writable bytecode copy and
// WAMR's per-function structures, docs/memory-budget.md). Same code, same results.

export { boardInit, boardPoll, boardSetMaxFrame } from './board/board';
export { decision, engineVersion, modelInfo, modelLoaded, stepCount } from './index';
