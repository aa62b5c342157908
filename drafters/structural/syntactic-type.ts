import type Parser from 'tree-sitter';
import { resolveName } from '../../syntax/name-resolution.js';

type SyntaxNode = Parser.SyntaxNode;

/**
 * A type read off the syntax, without a type checker: what a declaration
 * says, or what an initializer evidently produces. Used to annotate an
 * extracted function's parameters, so that the result also compiles under
 * `noImplicitAny`, where the checker (`EditContext.types`) has no answer:
 * JavaScript, no type service, or a program still being built. Undefined
 * whenever the type is not evident; the caller then leaves it out.
 */
export interface SyntacticType {
  type: string;
  /** The annotations the text comes from: names in them must be visible where the type is used. */
  annotations: SyntaxNode[];
  /** An optional parameter without a default: the type holds `undefined` too. */
  optional?: boolean;
}

/** Enough to follow `const b = a.trim(); const c = b.split(',')` without runaway recursion. */
const MAX_DEPTH = 16;

/**
 * What the declaration of `name` says its type is: its annotation (`x: T`,
 * `x?: T`), the type its initializer evidently has (`let n = 0`,
 * `const rows = parse(text)` with `parse(): Row[]`), or the element type of
 * the array or string it iterates (`for (const x of xs)` with `xs: T[]`).
 */
export function declaredTypeOf(tree: Parser.Tree, text: string, name: SyntaxNode, depth = 0): SyntacticType | undefined {
  const holder = name.parent;
  if (!holder || depth > MAX_DEPTH) return undefined;
  if (holder.type === 'object_pattern' || holder.type === 'pair_pattern') return destructuredType(tree, text, name, holder, depth);
  switch (holder.type) {
    case 'required_parameter':
    case 'optional_parameter':
    case 'variable_declarator': {
      if (holder.childForFieldName(holder.type === 'variable_declarator' ? 'name' : 'pattern')?.id !== name.id) return undefined;
      const annotation = holder.childForFieldName('type');
      const value = holder.childForFieldName('value');
      if (annotation) return { type: annotationText(text, annotation), annotations: [annotation], optional: holder.type === 'optional_parameter' && !value };
      return value ? expressionType(tree, text, value, depth + 1) : undefined;
    }
    case 'function_declaration': // a local function passed to the extracted one
      return holder.childForFieldName('name')?.id === name.id ? functionType(text, holder) : undefined;
    case 'for_in_statement': {
      if (holder.childForFieldName('left')?.id !== name.id || holder.childForFieldName('operator')?.type !== 'of') return undefined;
      const right = holder.childForFieldName('right');
      const collection = right ? expressionType(tree, text, right, depth + 1) : undefined;
      const element = collection && (collection.type === 'string' ? 'string' : elementType(collection.type));
      return element ? { type: element, annotations: collection.annotations } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * `const { a, b: c } = value` (or such a parameter) with `value` of a known
 * type `T`: `T['a']`, an indexed access type, exact whatever `T` is. One level
 * of destructuring, property names only.
 */
function destructuredType(tree: Parser.Tree, text: string, name: SyntaxNode, holder: SyntaxNode, depth: number): SyntacticType | undefined {
  let key: string;
  let pattern = holder;
  if (holder.type === 'pair_pattern') {
    const property = holder.childForFieldName('key');
    if (holder.childForFieldName('value')?.id !== name.id || property?.type !== 'property_identifier') return undefined;
    key = property.text;
    pattern = holder.parent!;
  } else {
    if (name.type !== 'shorthand_property_identifier_pattern') return undefined;
    key = name.text;
  }
  const owner = pattern.parent;
  if (pattern.type !== 'object_pattern' || !owner) return undefined;
  let whole: SyntacticType | undefined;
  if (owner.type === 'variable_declarator' && owner.childForFieldName('name')?.id === pattern.id) {
    const annotation = owner.childForFieldName('type');
    const value = owner.childForFieldName('value');
    whole = annotation ? { type: annotationText(text, annotation), annotations: [annotation] } : value ? expressionType(tree, text, value, depth + 1) : undefined;
  } else if (owner.type === 'required_parameter' && owner.childForFieldName('pattern')?.id === pattern.id && !owner.childForFieldName('value')) {
    const annotation = owner.childForFieldName('type');
    whole = annotation ? { type: annotationText(text, annotation), annotations: [annotation] } : undefined;
  }
  if (!whole || /[|&]/.test(whole.type)) return undefined;
  const base = /^[\p{ID_Start}$_][\p{ID_Continue}$.]*(<.*>)?$/u.test(whole.type) ? whole.type : `(${whole.type})`;
  return { type: `${base}['${key}']`, annotations: whole.annotations };
}

/** `T[]`, `readonly T[]`, `Array<T>`, `ReadonlyArray<T>` → `T`. */
export function elementType(type: string): string | undefined {
  const t = type.trim();
  const generic = /^(?:Readonly)?Array<(.*)>$/.exec(t)?.[1];
  if (generic) return generic.trim();
  const element = /^(?:readonly\s+)?(.*)\[\]$/.exec(t)?.[1];
  if (!element) return undefined;
  return element.startsWith('(') && element.endsWith(')') ? element.slice(1, -1) : element;
}

const STRING_METHODS: Readonly<Record<string, string>> = {
  split: 'string[]', match: '', trim: 'string', trimStart: 'string', trimEnd: 'string', toLowerCase: 'string', toUpperCase: 'string',
  slice: 'string', substring: 'string', replace: 'string', replaceAll: 'string', padStart: 'string', padEnd: 'string',
  repeat: 'string', concat: 'string', charAt: 'string', normalize: 'string', toString: 'string',
  indexOf: 'number', lastIndexOf: 'number', charCodeAt: 'number', localeCompare: 'number', search: 'number',
  includes: 'boolean', startsWith: 'boolean', endsWith: 'boolean',
};
/** `self`: the receiver's own array type. */
const ARRAY_METHODS: Readonly<Record<string, string>> = {
  filter: 'self', slice: 'self', concat: 'self', sort: 'self', reverse: 'self', toSorted: 'self', toReversed: 'self',
  join: 'string', indexOf: 'number', lastIndexOf: 'number', findIndex: 'number', push: 'number', unshift: 'number',
  includes: 'boolean', some: 'boolean', every: 'boolean',
};
const STATIC_CALLS: Readonly<Record<string, string>> = {
  'Object.keys': 'string[]', 'Object.getOwnPropertyNames': 'string[]', 'JSON.stringify': 'string', 'Date.now': 'number',
  'Array.isArray': 'boolean', 'Number.parseInt': 'number', 'Number.parseFloat': 'number', 'Number.isInteger': 'boolean', 'Number.isNaN': 'boolean',
};
const GLOBAL_CALLS: Readonly<Record<string, string>> = { String: 'string', Number: 'number', Boolean: 'boolean', parseInt: 'number', parseFloat: 'number', isNaN: 'boolean' };
const GLOBAL_CLASSES: ReadonlySet<string> = new Set(['Date', 'Error', 'RegExp', 'Map', 'Set', 'WeakMap', 'WeakSet', 'URL', 'AbortController']);
const NUMERIC_OPERATORS: ReadonlySet<string> = new Set(['-', '*', '/', '%', '**']);
const BOOLEAN_OPERATORS: ReadonlySet<string> = new Set(['===', '!==', '==', '!=', '<', '>', '<=', '>=', 'instanceof', 'in']);

const known = (type: string | undefined, annotations: SyntaxNode[] = []): SyntacticType | undefined => (type ? { type, annotations } : undefined);

/** The type an expression evidently has, for the few forms whose type the syntax (and this file's declarations) settle. */
export function expressionType(tree: Parser.Tree, text: string, node: SyntaxNode, depth = 0): SyntacticType | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const inner = (n: SyntaxNode | null | undefined) => (n ? expressionType(tree, text, n, depth + 1) : undefined);
  switch (node.type) {
    case 'number':
      return known('number');
    case 'string':
    case 'template_string':
      return known('string');
    case 'true':
    case 'false':
      return known('boolean');
    case 'parenthesized_expression':
      return node.namedChildCount === 1 ? inner(node.namedChildren[0]) : undefined;
    case 'unary_expression': {
      const operator = node.firstChild?.type;
      if (operator === '!') return known('boolean');
      if (operator === 'typeof') return known('string');
      return (operator === '-' || operator === '+') && inner(node.lastChild)?.type === 'number' ? known('number') : undefined;
    }
    case 'binary_expression':
      return binaryType(tree, text, node, inner);
    case 'as_expression':
    case 'satisfies_expression': {
      const type = node.namedChildren[1];
      if (node.type === 'satisfies_expression') return inner(node.namedChildren[0]);
      return type && type.text !== 'const' ? { type: annotationText(text, type), annotations: [type] } : undefined;
    }
    case 'identifier': {
      const binding = resolveName(tree, text, node)?.binding;
      if (!binding && (node.text === 'NaN' || node.text === 'Infinity')) return known('number');
      if (!binding || (binding.kind !== 'variable' && binding.kind !== 'parameter')) return undefined;
      const declared = declaredTypeOf(tree, text, binding.declarations[0].node, depth + 1);
      return declared && !declared.optional ? declared : undefined;
    }
    case 'member_expression': {
      const property = node.childForFieldName('property')?.text;
      const receiver = inner(node.childForFieldName('object'));
      return property === 'length' && receiver && (receiver.type === 'string' || elementType(receiver.type)) ? known('number') : undefined;
    }
    case 'ternary_expression': {
      const consequence = inner(node.childForFieldName('consequence'));
      const alternative = inner(node.childForFieldName('alternative'));
      return consequence && alternative?.type === consequence.type ? { type: consequence.type, annotations: [...consequence.annotations, ...alternative.annotations] } : undefined;
    }
    case 'subscript_expression': {
      // `s[i]` of a string, `xs[i]` of an array (an index, not a property name in quotes).
      const receiver = inner(node.childForFieldName('object'));
      const index = node.childForFieldName('index');
      if (!receiver || !index || index.type === 'string') return undefined;
      return receiver.type === 'string' ? known('string') : known(elementType(receiver.type), receiver.annotations);
    }
    case 'await_expression': {
      const awaited = inner(node.namedChildren[0]);
      const promised = awaited && /^Promise<(.*)>$/.exec(awaited.type)?.[1];
      return promised ? { type: promised.trim(), annotations: awaited.annotations } : undefined;
    }
    case 'call_expression':
      return callType(tree, text, node, inner);
    case 'arrow_function':
    case 'function_expression':
      return functionType(text, node);
    case 'array': {
      // `[...xs]`: a copy of an array.
      const [only] = node.namedChildren;
      const copied = node.namedChildCount === 1 && only.type === 'spread_element' ? inner(only.namedChildren[0]) : undefined;
      const element = copied && elementType(copied.type);
      return element ? { type: /^[\p{ID_Continue}$.<>, ]+$/u.test(element) && !element.includes(' ') ? `${element}[]` : `(${element})[]`, annotations: copied.annotations } : undefined;
    }
    case 'new_expression':
      return constructedType(tree, text, node);
    default:
      return undefined;
  }
}

type Inner = (n: SyntaxNode | null | undefined) => SyntacticType | undefined;

function binaryType(tree: Parser.Tree, text: string, node: SyntaxNode, inner: Inner): SyntacticType | undefined {
  const operator = node.childForFieldName('operator')?.type ?? '';
  if (BOOLEAN_OPERATORS.has(operator)) return known('boolean');
  if (operator === '??') {
    // `options ?? fallback` where `options?: T` and the fallback is a T: a T.
    const fallback = inner(node.childForFieldName('right'));
    const left = node.childForFieldName('left');
    const binding = left?.type === 'identifier' ? resolveName(tree, text, left)?.binding : undefined;
    const declared = binding && declaredTypeOf(tree, text, binding.declarations[0].node);
    return fallback && declared?.type === fallback.type ? { type: fallback.type, annotations: [...declared.annotations, ...fallback.annotations] } : undefined;
  }
  const left = inner(node.childForFieldName('left'))?.type;
  if (NUMERIC_OPERATORS.has(operator)) return left === 'number' ? known('number') : undefined;
  if (operator !== '+') return undefined;
  const right = inner(node.childForFieldName('right'))?.type;
  if (left === 'string' || right === 'string') return known('string');
  return left === 'number' && right === 'number' ? known('number') : undefined;
}

function callType(tree: Parser.Tree, text: string, call: SyntaxNode, inner: Inner): SyntacticType | undefined {
  const callee = call.childForFieldName('function');
  if (!callee || call.childForFieldName('type_arguments')) return undefined;
  if (callee.type === 'identifier') {
    const binding = resolveName(tree, text, callee)?.binding;
    if (!binding) return known(GLOBAL_CALLS[callee.text]);
    const declaration = binding.declarations[0].node.parent;
    // One declaration (not overloads), not generic: its declared result is the call's type.
    if (binding.kind !== 'function' || binding.declarations.length !== 1 || !declaration || declaration.childForFieldName('type_parameters')) return undefined;
    if (declaration.type !== 'function_declaration' && declaration.type !== 'function_signature') return undefined;
    const returns = declaration.childForFieldName('return_type');
    return returns ? { type: annotationText(text, returns), annotations: [returns] } : undefined;
  }
  if (callee.type !== 'member_expression') return undefined;
  const object = callee.childForFieldName('object');
  const method = callee.childForFieldName('property')?.text ?? '';
  if (object?.type === 'identifier' && !resolveName(tree, text, object)?.binding) {
    if (object.text === 'Math') return known('number');
    const fixed = STATIC_CALLS[`${object.text}.${method}`];
    if (fixed) return known(fixed);
  }
  const receiver = inner(object);
  if (!receiver) return undefined;
  if (receiver.type === 'string') return known(STRING_METHODS[method] || undefined);
  if (!elementType(receiver.type)) return undefined;
  const result = ARRAY_METHODS[method];
  return result === 'self' ? receiver : known(result);
}

/** `new C()` of a non-generic class declared at the top level, `new Map<K, V>()` and a few other built-ins. */
function constructedType(tree: Parser.Tree, text: string, expression: SyntaxNode): SyntacticType | undefined {
  const constructor = expression.childForFieldName('constructor');
  if (constructor?.type !== 'identifier') return undefined;
  const name = constructor.text;
  const typeArguments = expression.childForFieldName('type_arguments');
  const binding = resolveName(tree, text, constructor)?.binding;
  if (!binding) {
    if (!GLOBAL_CLASSES.has(name)) return undefined;
    if (typeArguments) return { type: `${name}${text.slice(typeArguments.startIndex, typeArguments.endIndex)}`, annotations: [typeArguments] };
    return /^(Map|Set|WeakMap|WeakSet)$/.test(name) ? undefined : known(name);
  }
  const declaration = binding.declarations[0].node.parent;
  // A class type is visible at top level only when the class is declared (or imported) there; an imported one is taken as not generic.
  if (binding.scope.parent || typeArguments) return undefined;
  if (binding.kind === 'import') return known(name);
  return binding.kind === 'class' && !declaration?.childForFieldName('type_parameters') ? known(name) : undefined;
}

/**
 * `(a: A, b?: B) => R` for a function whose parameters are all annotated and
 * whose result is declared, or evidently nothing (a block with no `return`
 * of a value: `void`, `Promise<void>` when async). Generic functions, and
 * parameters with defaults or without types, are left out.
 */
function functionType(text: string, fn: SyntaxNode): SyntacticType | undefined {
  if (fn.childForFieldName('type_parameters') || fn.children.some((c) => c.type === '*')) return undefined;
  const annotations: SyntaxNode[] = [];
  const parameters: string[] = [];
  const single = fn.childForFieldName('parameter');
  if (single) return undefined; // `x => ...`: an untyped parameter
  for (const parameter of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    const type = parameter.childForFieldName('type');
    if (parameter.type === 'comment') continue;
    if (!type || parameter.childForFieldName('value') || !['required_parameter', 'optional_parameter'].includes(parameter.type)) return undefined;
    annotations.push(type);
    parameters.push(text.slice(parameter.startIndex, type.endIndex));
  }
  const declared = fn.childForFieldName('return_type');
  const async = fn.children.some((c) => c.type === 'async');
  let result: string;
  if (declared) {
    annotations.push(declared);
    result = annotationText(text, declared);
  } else {
    const body = fn.childForFieldName('body');
    if (body?.type !== 'statement_block' || returnsValue(body)) return undefined;
    result = async ? 'Promise<void>' : 'void';
  }
  return { type: `(${parameters.join(', ')}) => ${result}`, annotations };
}

/** A `return <value>` in `node`, outside nested functions. */
function returnsValue(node: SyntaxNode): boolean {
  if (node.type === 'return_statement') return node.namedChildCount > 0;
  if (FUNCTION_LIKE.has(node.type)) return false;
  return node.namedChildren.some(returnsValue);
}

const FUNCTION_LIKE: ReadonlySet<string> = new Set(['function_declaration', 'function_expression', 'arrow_function', 'generator_function', 'generator_function_declaration', 'method_definition', 'class_body']);

function annotationText(text: string, annotation: SyntaxNode): string {
  return text.slice(annotation.startIndex, annotation.endIndex).replace(/^:\s*/, '').trim();
}
