// as-pect configuration for the AssemblyScript unit tests of assembly/ (the fixed-point operations,
// the CRC): `npm run test:assembly` from the repository root. Compiler options are in
// as-pect.asconfig.json beside this file, not the project's asconfig.json: its `use abort=...` and
// stub runtime are the board build's, and as-pect brings its own runtime and imports.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export default {
  entries: [path.join(path.relative(process.cwd(), here), '**/*.spec.ts')],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
