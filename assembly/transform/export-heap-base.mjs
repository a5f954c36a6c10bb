// An asc transform, named in package.json's build:wasm (asconfig.json cannot name a local file):
// exports the linker symbols __heap_base and __data_end as the constant i32 globals WAMR looks
// for. With them, and no memory.grow in the module, WAMR sizes linear memory to __heap_base
// instead of whole 64 KiB pages (docs/memory-budget.md). AssemblyScript has no syntax to export
// its own builtins under these names; assembly/engine/arena.ts names both so that they exist.
//
// WAMR rounds __data_end up to 16 and ignores both unless that is still <= __heap_base, so both
// are exported rounded up to 16: the first address past the static data a host may use, which
// assembly/engine/arena.ts's heapStart() computes the same way.
const ALIGN = 16;

export default class ExportHeapBase {
  afterCompile(module) {
    const { binaryen } = this;
    for (const name of ['__heap_base', '__data_end']) {
      const internal = `~lib/memory/${name}`;
      const global = module.getGlobal(internal);
      if (!global) throw new Error(`export-heap-base: no ${internal} in the module`);
      const value = binaryen.getExpressionInfo(binaryen.getGlobalInfo(global).init).value;
      const aligned = Math.ceil(value / ALIGN) * ALIGN;
      module.addGlobal(`export-heap-base/${name}`, binaryen.i32, false, module.i32.const(aligned));
      module.addGlobalExport(`export-heap-base/${name}`, name);
    }
  }
}
