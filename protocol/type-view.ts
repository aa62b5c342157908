/**
 * The type checker as the core sees it: the types of names at offsets of a
 * document, printed so they mean the same at the file's top level. The
 * server keeps TypeScript language services (workspace/type-service.ts) and
 * hands them to the engine through `EditContext.types`, so engine/ and
 * drafters/ never load TypeScript nor read the file system.
 */
import type { DocumentSnapshot } from './edit-task.js';

/** One question: the type of the identifier that starts at `offset`. */
export interface TypeQuery {
  offset: number;
  /**
   * The variable's declared type instead of its narrowed type at `offset`:
   * for a value the extracted code assigns, which must accept every value of
   * the declared type, not only the one it holds there.
   */
  declared?: boolean;
}

/** A type as the checker prints it for the file's top level. */
export interface CheckedType {
  text: string;
  /**
   * Type parameters of the enclosing functions or classes that the type (or
   * their constraints) mention: a top-level function using the type declares
   * them, and its call passes them, outer ones first.
   */
  typeParameters: TypeParameterText[];
}

export interface TypeParameterText {
  name: string;
  /** As a function declares it: `K extends keyof E`, `const T extends readonly unknown[]` (no default: the call passes every one). */
  declaration: string;
  /** Where it is declared in the document; outer ones first. */
  offset: number;
}

/** What bounds one question besides the service's own time budgets. */
export interface TypeQuestionOptions {
  /**
   * The edit's signal (`EditContext.signal`): aborted, the question answers
   * at once with no answer; the service also counts the time of all the
   * questions of one signal against a budget per edit.
   */
  signal?: AbortSignal;
  /**
   * Called when the question got no answer because it stopped while the
   * program was still being read, and asking again goes on from there
   * (the edit's budget is not spent): the caller may yield and ask again.
   */
  onBuilding?: () => void;
}

/**
 * Undefined from either method means "unknown": there is no checker for
 * the document (JavaScript, the service failed), or the question was cut
 * short (building the program, or checking, ran past its time budget; the
 * edit's budget was spent; the signal was aborted). Callers treat an
 * unknown answer as they treat JavaScript: nothing is held back or
 * preferred on the checker's word.
 */
export interface TypeView {
  /**
   * The type of each query the checker answers with a type that means the
   * same at the file's top level (no local types, no `this` type; type
   * parameters of enclosing declarations are named in the answer); queries
   * it cannot answer are missing from the map.
   */
  typesAt(document: DocumentSnapshot, queries: readonly TypeQuery[], options?: TypeQuestionOptions): Map<number, CheckedType> | undefined;

  /** The checker's errors (syntactic and semantic) in the document if its text were `text` (its own text when omitted). */
  problemsIn?(document: DocumentSnapshot, text?: string, options?: TypeQuestionOptions): TypeProblem[] | undefined;

  /**
   * TypeScript's own rename of the symbol named at `offset` (its
   * `findRenameLocations`, with prefix and suffix text) over the whole
   * project of the document: class and interface members, namespace
   * members reached from other files, what scope analysis cannot decide.
   * Refused with the reason when TypeScript refuses it, when there is no
   * checker for the document, or when the time budget runs out.
   */
  renameLocations?(document: DocumentSnapshot, offset: number, options?: TypeQuestionOptions): RenameLocations;
}

/** One place TypeScript renames: `[start, end)` of `uri`'s text becomes `prefix + newName + suffix`. */
export interface RenameLocation {
  uri: string;
  start: number;
  end: number;
  prefix: string;
  suffix: string;
}

/** `building`: the question stopped while the program was still being read; asking again goes on from there. */
export type RenameLocations = { ok: true; locations: RenameLocation[] } | { ok: false; reason: string; building?: true };

/** The problems of `after` that `before` does not have, counted by code and message (positions move with an edit). */
export function problemsAdded(before: readonly TypeProblem[], after: readonly TypeProblem[]): TypeProblem[] {
  const key = (p: TypeProblem) => `${p.code}\u0000${p.message}`;
  const known = new Map<string, number>();
  for (const p of before) known.set(key(p), (known.get(key(p)) ?? 0) + 1);
  return after.filter((p) => {
    const left = known.get(key(p)) ?? 0;
    known.set(key(p), left - 1);
    return left <= 0;
  });
}

/** One error the checker reports. */
export interface TypeProblem {
  code: number;
  message: string;
  /** Where, in the text it was reported for. */
  offset: number;
}
