import type Parser from 'tree-sitter';
import { blockScopeOf, isField, PATTERN_TYPES, varScopeOf } from './node-kinds.js';
import { varianceParts } from './variance.js';

type SyntaxNode = Parser.SyntaxNode;

/**
 * TypeScript keeps values and types in separate namespaces: `const A` and
 * `type A` are two bindings, `class A` and `enum A` are one binding in both.
 * A bit mask, so that overlap is `a & b`.
 */
export const VALUE = 1;
export const TYPE = 2;
export const VALUE_AND_TYPE = VALUE | TYPE;

export type BindingKind =
  | 'variable'
  | 'parameter'
  | 'function'
  | 'class'
  | 'enum'
  | 'enum-member'
  | 'namespace'
  | 'import'
  | 'interface'
  | 'type-alias'
  | 'type-parameter';

/**
 * How an occurrence is renamed. Some names play two parts and must keep one:
 * a shorthand property `{x}` is both key and value, `import {x}` both the
 * module's export and the local name, `export {x}` both the local name and the
 * module's export.
 */
export type RenameForm = 'plain' | 'shorthand' | 'import-specifier' | 'export-specifier';

interface OccurrenceBase {
  node: SyntaxNode;
  /** The node's range, read once (each read is a native call). */
  start: number;
  end: number;
  name: string;
  namespaces: number;
  form: RenameForm;
}

export interface DeclarationOccurrence extends OccurrenceBase {
  role: 'declaration';
  kind: BindingKind;
  /** The node whose range the binding is visible in (the walk from a reference up the tree meets it). */
  scope: SyntaxNode;
  /** Declared by `export const/function/class...`: renaming changes what the module exports. */
  exported: boolean;
  /** A constructor parameter with `private`/`public`/`readonly`...: it also names the property `this.x`. */
  parameterProperty: boolean;
}

export interface ReferenceOccurrence extends OccurrenceBase {
  role: 'reference';
  /** A JSX tag name (`<Foo>`, not `<Foo.Bar>`): a lower-case name there would be an HTML element. */
  jsxTag: boolean;
}

export type NameOccurrence = DeclarationOccurrence | ReferenceOccurrence;

/**
 * What a name leaf is: the declaration of a binding (and which scope that
 * binding lives in), a reference to one, or undefined for names that are not
 * bindings at all (property and member names, labels, the imported side of
 * `import {a as b}`, JSX intrinsic tags, variance modifiers...).
 */
export function classifyName(node: SyntaxNode, text: string, range?: { start: number; end: number }): NameOccurrence | undefined {
  // Every read of a node property is a native call: take the range when the caller knows it.
  const start = range?.start ?? node.startIndex;
  const end = range?.end ?? node.endIndex;
  const name = text.slice(start, end);
  const declare = (kind: BindingKind, namespaces: number, scope: SyntaxNode, extra: Partial<DeclarationOccurrence> = {}): DeclarationOccurrence => ({
    role: 'declaration', node, start, end, name, kind, namespaces, scope, form: 'plain', exported: false, parameterProperty: false, ...extra,
  });
  const refer = (namespaces: number, form: RenameForm = 'plain', jsxTag = false): ReferenceOccurrence => ({
    role: 'reference', node, start, end, name, namespaces, form, jsxTag,
  });
  if (node.type === 'shorthand_property_identifier') return refer(VALUE, 'shorthand');
  const parent = node.parent;
  if (!parent) return undefined;
  switch (node.type) {
    case 'property_identifier':
      return classifyEnumMember(node, parent, declare);
    case 'type_identifier':
      return classifyTypeName(node, name, parent, declare) ?? (isTypeReference(node, parent) ? refer(TYPE) : undefined);
    case 'identifier':
    case 'shorthand_property_identifier_pattern': {
      const form: RenameForm = node.type === 'identifier' ? 'plain' : 'shorthand';
      return classifyValueName(node, parent, form, declare, refer);
    }
    default:
      return undefined;
  }
}

type Declare = (kind: BindingKind, namespaces: number, scope: SyntaxNode, extra?: Partial<DeclarationOccurrence>) => DeclarationOccurrence;
type Refer = (namespaces: number, form?: RenameForm, jsxTag?: boolean) => ReferenceOccurrence;

/** `enum E { A = 1, B = A }`: inside the body, `A` is a binding. Elsewhere it is only reachable as `E.A`. */
function classifyEnumMember(node: SyntaxNode, parent: SyntaxNode, declare: Declare): DeclarationOccurrence | undefined {
  if (parent.type === 'enum_body') return declare('enum-member', VALUE, parent);
  if (parent.type === 'enum_assignment' && isField(parent, 'name', node) && parent.parent) {
    return declare('enum-member', VALUE, parent.parent);
  }
  return undefined;
}

function classifyTypeName(node: SyntaxNode, name: string, parent: SyntaxNode, declare: Declare): DeclarationOccurrence | undefined {
  const isName = () => isField(parent, 'name', node);
  switch (parent.type) {
    case 'class_declaration':
    case 'abstract_class_declaration':
      return isName() ? declare('class', VALUE_AND_TYPE, blockScopeOf(parent.parent!), { exported: isExported(parent) }) : undefined;
    case 'class': // a class expression's name is visible only inside the class
      return isName() ? declare('class', VALUE_AND_TYPE, parent) : undefined;
    case 'interface_declaration':
      return isName() ? declare('interface', TYPE, blockScopeOf(parent.parent!), { exported: isExported(parent) }) : undefined;
    case 'type_alias_declaration':
      return isName() ? declare('type-alias', TYPE, blockScopeOf(parent.parent!), { exported: isExported(parent) }) : undefined;
    case 'type_parameter': {
      const owner = parent.parent?.parent;
      if (!owner || !isName()) return undefined;
      if (name === 'in' || name === 'out') {
        const next = node.nextSibling ?? parent.nextSibling;
        if (next?.isError && varianceParts(next)?.parameter.id === parent.id) return undefined; // a variance modifier
      }
      return declare('type-parameter', TYPE, owner);
    }
    case 'infer_type': {
      if (parent.namedChildren[0]?.id !== node.id) return undefined; // `infer U extends C`: C is a reference
      const conditional = ancestorOfType(parent, 'conditional_type');
      return conditional ? declare('type-parameter', TYPE, conditional) : undefined;
    }
    case 'mapped_type_clause':
      return isName() && parent.parent ? declare('type-parameter', TYPE, parent.parent) : undefined;
    default:
      return undefined;
  }
}

/** `A.B` in a type: `B` is a member of namespace `A`, not a name in scope. */
function isTypeReference(node: SyntaxNode, parent: SyntaxNode): boolean {
  return !(parent.type === 'nested_type_identifier' && isField(parent, 'name', node));
}

function classifyValueName(node: SyntaxNode, parent: SyntaxNode, form: RenameForm, declare: Declare, refer: Refer): NameOccurrence | undefined {
  // `type` first: a named node's type is read in JavaScript, `isError` is a native call (one per reference of a 100k-reference rename).
  if (parent.type === 'ERROR' && parent.isError) {
    const variance = varianceParts(parent);
    if (variance) return variance.name.id === node.id ? declare('type-parameter', TYPE, variance.parameter.parent!.parent!) : undefined;
  }
  const direct = classifyDirectChild(node, parent, declare, refer);
  if (direct !== 'not-special') return direct;

  // Climb out of destructuring to the construct that decides what the pattern does.
  let child = node;
  let owner = parent;
  while (PATTERN_TYPES.has(owner.type)) {
    const inBindingPart =
      owner.type === 'pair_pattern' ? isField(owner, 'value', child)
      : owner.type === 'object_assignment_pattern' || owner.type === 'assignment_pattern' ? isField(owner, 'left', child)
      : true;
    if (!inBindingPart || !owner.parent) return refer(VALUE, form);
    child = owner;
    owner = owner.parent;
  }
  return classifyPatternOwner(child, owner, form, declare) ?? refer(VALUE, form);
}

/** Names whose parent alone says what they are; 'not-special' when the parent is some other construct. */
function classifyDirectChild(node: SyntaxNode, parent: SyntaxNode, declare: Declare, refer: Refer): NameOccurrence | undefined | 'not-special' {
  const isName = () => isField(parent, 'name', node);
  switch (parent.type) {
    case 'function_declaration':
    case 'generator_function_declaration':
    case 'function_signature': // an overload: one binding with its implementation
      return isName() ? declare('function', VALUE, blockScopeOf(parent.parent!), { exported: isExported(parent) }) : 'not-special';
    case 'function_expression':
    case 'generator_function':
      return isName() ? declare('function', VALUE, parent) : 'not-special';
    case 'enum_declaration':
      return isName() ? declare('enum', VALUE_AND_TYPE, blockScopeOf(parent.parent!), { exported: isExported(parent) }) : 'not-special';
    case 'internal_module':
    case 'module':
      return isName() ? declare('namespace', VALUE_AND_TYPE, blockScopeOf(parent.parent!), { exported: isExported(parent) }) : 'not-special';
    case 'nested_identifier': { // `namespace A.B {}` declares A; `import X = A.B` refers to A
      if (!isField(parent, 'object', node)) return undefined;
      const namespace = outermostNestedIdentifier(parent).parent;
      return namespace?.type === 'internal_module' ? declare('namespace', VALUE_AND_TYPE, blockScopeOf(namespace.parent!)) : refer(VALUE);
    }
    case 'import_clause':
    case 'namespace_import':
    case 'import_require_clause':
      return declare('import', VALUE_AND_TYPE, blockScopeOf(parent));
    case 'import_alias':
      return parent.firstNamedChild?.id === node.id ? declare('import', VALUE_AND_TYPE, blockScopeOf(parent.parent!)) : 'not-special';
    case 'import_specifier': {
      const alias = parent.childForFieldName('alias');
      if (alias && alias.id !== node.id) return undefined; // the other module's name
      return declare('import', VALUE_AND_TYPE, blockScopeOf(parent), { form: alias ? 'plain' : 'import-specifier' });
    }
    case 'export_specifier': {
      if (parent.parent?.parent?.childForFieldName('source')) return undefined; // `export {x} from 'm'` names another module's binding
      const alias = parent.childForFieldName('alias');
      if (alias?.id === node.id) return undefined; // the exported name, not a local one
      return refer(VALUE_AND_TYPE, alias ? 'plain' : 'export-specifier');
    }
    case 'required_parameter':
    case 'optional_parameter': // `[key?: string]`: a tuple member's label, a name for documentation only
      return parent.parent?.type === 'tuple_type' && isName() ? undefined : 'not-special';
    case 'namespace_export':
    case 'jsx_namespace_name':
    case 'index_signature': // `[key: string]: T`: a name for documentation only
      return undefined;
    case 'jsx_opening_element':
    case 'jsx_closing_element':
    case 'jsx_self_closing_element':
      if (!isName()) return refer(VALUE);
      return isIntrinsicTagName(node.text) ? undefined : refer(VALUE, 'plain', true);
    default:
      return 'not-special';
  }
}

/** What a name at the root of a (possibly trivial) pattern declares, given the construct that holds the pattern. */
function classifyPatternOwner(root: SyntaxNode, owner: SyntaxNode, form: RenameForm, declare: Declare): DeclarationOccurrence | undefined {
  switch (owner.type) {
    case 'variable_declarator': {
      if (!isField(owner, 'name', root)) return undefined;
      const declaration = owner.parent!;
      const scope = declaration.type === 'variable_declaration' ? varScopeOf(declaration) : blockScopeOf(declaration.parent!);
      return declare('variable', VALUE, scope, { form, exported: isExported(declaration) });
    }
    case 'required_parameter':
    case 'optional_parameter': {
      if (!isField(owner, 'pattern', root)) return undefined;
      const parameterProperty = owner.children.some(c => c.type === 'accessibility_modifier' || c.type === 'override_modifier' || c.type === 'readonly');
      return declare('parameter', VALUE, owner.parent!.parent!, { form, parameterProperty });
    }
    case 'arrow_function':
      return isField(owner, 'parameter', root) ? declare('parameter', VALUE, owner, { form }) : undefined;
    case 'catch_clause':
      return isField(owner, 'parameter', root) ? declare('parameter', VALUE, owner, { form }) : undefined;
    case 'for_in_statement': {
      const kind = owner.childForFieldName('kind')?.type;
      if (!kind || !isField(owner, 'left', root)) return undefined; // `for (x of xs)` assigns an existing x
      return declare('variable', VALUE, kind === 'var' ? varScopeOf(owner) : owner, { form });
    }
    case 'assignment_expression': // `using x = ...`: the 0.23 grammar reads it as an assignment with a `using` token
      if (owner.firstChild?.type !== 'using' || !isField(owner, 'left', root)) return undefined;
      return declare('variable', VALUE, blockScopeOf(owner.parent!), { form });
    default:
      return undefined;
  }
}

/** `export const x`, `export function f`, ... (not `export default function f`, whose exported name is `default`). */
function isExported(declaration: SyntaxNode): boolean {
  const statement = declaration.parent;
  return statement?.type === 'export_statement' && !statement.children.some(c => c.type === 'default');
}

/** JSX (TypeScript's rule) reads `<div>` as the string "div", and `<Div>` or `<_div>` as a binding. */
export function isIntrinsicTagName(name: string): boolean {
  return /^[a-z]/.test(name) || name.includes('-');
}

function outermostNestedIdentifier(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.parent?.type === 'nested_identifier') n = n.parent;
  return n;
}

function ancestorOfType(node: SyntaxNode, type: string): SyntaxNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (n.type === type) return n;
  return undefined;
}
