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

export interface TypeView {
  /**
   * The printed type of each query the checker answers with a type that is
   * valid at the file's top level (no local types or type parameters of
   * enclosing functions); queries it cannot answer are missing from the map.
   * Undefined when there is no checker for the document (JavaScript, the
   * service failed, or building the program ran past its time budget).
   */
  typesAt(document: DocumentSnapshot, queries: readonly TypeQuery[]): Map<number, string> | undefined;
}
