import { z } from 'zod';
import type { OffsetRange, TextReplacement } from './text.js';
import type { DrafterAcceptance, EditStats } from './stats.js';
import type { TypeView } from './type-view.js';
import type { WorkspaceView } from './workspace.js';

/** The edit types of DESIGN.md ("Edit types"). */
export const EDIT_KINDS = ['rename', 'extract', 'optimizeLoop', 'fix', 'instruction'] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

/** Which layer produced an edit. `rank` is lossy and always named as such. */
export type EditMode = 'structural' | 'exact' | 'rank';

/** Kind-specific arguments, validated at the edge (untrusted: they travel through the client). */
export const editArgsSchema = z
  .object({
    /** rename: the new name; absent means "let the drafters propose one". */
    newName: z.string().min(1).optional(),
    /** fix: the diagnostic being fixed. */
    diagnostic: z
      .object({ message: z.string(), source: z.string().optional(), code: z.union([z.string(), z.number()]).optional() })
      .optional(),
    /** instruction: free text. */
    instruction: z.string().min(1).optional(),
  })
  .strict();
export type EditArgs = z.infer<typeof editArgsSchema>;

/** A document as the core sees it: a snapshot at one version. */
export interface DocumentSnapshot {
  uri: string;
  languageId: string;
  /** LSP version; null for files read from disk. */
  version: number | null;
  text: string;
}

/** One edit request, in core terms (offsets, not LSP positions). */
export interface EditTask {
  kind: EditKind;
  document: DocumentSnapshot;
  /** The range the action was offered for. */
  range: OffsetRange;
  args: EditArgs;
}

/** The edits for one file, tied to the version they were computed on. */
export interface FileEdit {
  uri: string;
  /** Version of the snapshot the replacements refer to; null for files not open in the editor. */
  version: number | null;
  replacements: TextReplacement[];
}

export interface EditResult {
  edits: FileEdit[];
  mode: EditMode;
  stats: EditStats;
  /** Human-readable title of what was done, e.g. "Rename `a` to `total`". */
  title: string;
  /** Alternatives considered (e.g. names ranked by the verifier), best first. */
  considered?: string[];
}

/** Results as values; turned into LSP errors only at the edge. */
export type EditOutcome =
  | { status: 'ok'; result: EditResult }
  | { status: 'cancelled' }
  | { status: 'unavailable'; reason: string };

export interface EditContext {
  signal: AbortSignal;
  /** Progress reports for the editor (e.g. "verifying: 120 tokens, acceptance 0.93"). */
  progress?: (message: string, percentage?: number) => void;
  /** Reads a workspace file that is not open (multi-file edits). */
  readFile?: (uri: string) => Promise<DocumentSnapshot | undefined>;
  /** The workspace index: who imports whom, imported declarations (renames of exports, prompt context). */
  workspace?: WorkspaceView;
  /** The type checker: parameter types of extract function (absent: types only as the syntax settles them). */
  types?: TypeView;
  /**
   * Answer only with edits that need no model: the editor must get the edit
   * inside the code action itself (it has neither codeAction/resolve nor
   * workspace/applyEdit), so there is no time for model work.
   */
  structuralOnly?: boolean;
}

/** What the server calls in codeAction/resolve and executeCommand. The speculation engine implements it. */
export interface EditOrchestrator {
  computeEdit(task: EditTask, context: EditContext): Promise<EditOutcome>;
  dispose?(): Promise<void>;
  /** Per (edit kind, drafter) acceptance, for `specedit/stats`. */
  drafterStats?(): DrafterAcceptance[];
}
