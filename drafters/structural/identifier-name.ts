/** ECMAScript IdentifierName (without `\u` escapes, which no one types as a new name). */
const IDENTIFIER_NAME = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

/** Words that cannot name a binding in an ES module (always strict), TypeScript included. */
const RESERVED_WORDS = new Set([
  // keywords
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'export',
  'extends', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'return', 'super', 'switch',
  'this', 'throw', 'try', 'typeof', 'var', 'void', 'while', 'with',
  // literals
  'null', 'true', 'false',
  // reserved for the future, and in strict code or modules
  'enum', 'implements', 'interface', 'let', 'package', 'private', 'protected', 'public', 'static', 'yield', 'await',
]);

/** Valid identifiers that strict code still refuses as binding names, or that the rest of the file would stop seeing. */
const UNBINDABLE = new Map([
  ['arguments', 'strict code (every ES module) cannot declare `arguments`'],
  ['eval', 'strict code (every ES module) cannot declare `eval`'],
  ['undefined', 'declaring `undefined` would shadow the global `undefined` for the whole scope'],
]);

/** TypeScript's built-in type names cannot name a class, interface, type alias, enum or type parameter. */
const PREDEFINED_TYPES = new Set(['any', 'bigint', 'boolean', 'never', 'number', 'object', 'string', 'symbol', 'unknown', 'void', 'undefined']);

/** True for a name that can be written as a JavaScript/TypeScript identifier: IdentifierName and not a reserved word. */
export function isValidIdentifier(name: string): boolean {
  return IDENTIFIER_NAME.test(name) && !RESERVED_WORDS.has(name);
}

/** Why `name` cannot be the new name of a binding (`isType`: the binding is also a type), or undefined when it can. */
export function newNameProblem(name: string, isType: boolean): string | undefined {
  if (!IDENTIFIER_NAME.test(name)) return `\`${name}\` is not an identifier: use letters, digits, \`_\` or \`$\`, not starting with a digit`;
  if (RESERVED_WORDS.has(name)) return `\`${name}\` is a reserved word`;
  const unbindable = UNBINDABLE.get(name);
  if (unbindable) return unbindable;
  if (isType && PREDEFINED_TYPES.has(name)) return `\`${name}\` is a built-in type name and cannot name a type`;
  return undefined;
}
