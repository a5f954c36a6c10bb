// Prettier for AssemblyScript sources. AssemblyScript puts decorators where TypeScript allows
// none (@inline and @external on functions, @lazy on constants), so the TypeScript parser rejects
// those files. This parser hides each decorator in a block comment before parsing, and the printer
// prints such a comment back as the decorator; everything else is Prettier's own TypeScript style.

import { parsers as typescriptParsers } from 'prettier/plugins/typescript';
import { printers as estreePrinters } from 'prettier/plugins/estree';

const MARK = 'as-decorator:';
const DECORATOR = /^([ \t]*)@([A-Za-z_]\w*(?:\([^)\n]*\))?)/gm;

const typescript = typescriptParsers.typescript;
const estree = estreePrinters.estree;

/** @type {import('prettier').Plugin} */
export default {
  parsers: {
    assemblyscript: {
      ...typescript,
      astFormat: 'assemblyscript',
      preprocess: (text, options) => {
        const hidden = text.replace(DECORATOR, (_, indent, decorator) => `${indent}/*${MARK}${decorator}*/`);
        return typescript.preprocess ? typescript.preprocess(hidden, options) : hidden;
      },
    },
  },
  printers: {
    assemblyscript: {
      ...estree,
      printComment: (path, options) => {
        const comment = path.node;
        const value = typeof comment.value === 'string' ? comment.value : '';
        return value.startsWith(MARK) ? '@' + value.slice(MARK.length) : estree.printComment(path, options);
      },
    },
  },
};
