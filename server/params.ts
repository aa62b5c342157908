/**
 * Schemas of what the client sends, checked before any handler runs: a
 * notification that does not fit is logged and dropped, a request gets
 * InvalidParams with the reason. Positions must be non-negative integers;
 * positions past a line's end are clamped later (positions.ts), not refused.
 * Objects are loose: fields we do not read pass through (a diagnostic's
 * `data` must come back to its server unchanged).
 */
import { z } from 'zod';

const uri = z.string().min(1);
export const positionSchema = z.looseObject({ line: z.number().int().min(0), character: z.number().int().min(0) });
export const rangeSchema = z.looseObject({ start: positionSchema, end: positionSchema });
const documentId = z.looseObject({ uri });

/** `textSize`: set by the large-message decoder (server/large-messages.ts) when it dropped a text above the size limit. */
const textSize = z.number().int().min(0).optional();

export const didOpenSchema = z.looseObject({
  textDocument: z.looseObject({ uri, languageId: z.string(), version: z.number().int(), text: z.string(), textSize }),
});

export const didChangeSchema = z.looseObject({
  textDocument: z.looseObject({ uri, version: z.number().int() }),
  contentChanges: z.array(z.union([z.looseObject({ range: rangeSchema, rangeLength: z.number().optional(), text: z.string() }), z.looseObject({ text: z.string(), textSize })])),
});

export const didCloseSchema = z.looseObject({ textDocument: documentId });

/** One watched-file event; a list is filtered entry by entry (one bad entry does not drop the others). */
export const fileEventSchema = z.looseObject({ uri, type: z.union([z.literal(1), z.literal(2), z.literal(3)]) });
export const didChangeWatchedFilesSchema = z.looseObject({ changes: z.array(z.unknown()) });

/** A diagnostic as another server or the editor sends it back to us. */
export const diagnosticSchema = z.looseObject({
  range: rangeSchema,
  message: z.union([z.string(), z.looseObject({ value: z.string() })]),
  source: z.string().optional(),
  code: z.union([z.string(), z.number()]).optional().nullable(),
});

export const codeActionParamsSchema = z.looseObject({
  textDocument: documentId,
  range: rangeSchema,
  // Diagnostics that do not fit are left out here (diagnosticsOf), not the whole request.
  context: z.looseObject({ diagnostics: z.array(z.unknown()).optional(), only: z.array(z.string()).optional() }).optional(),
});

export const renameParamsSchema = z.looseObject({ textDocument: documentId, position: positionSchema, newName: z.string() });
export const prepareRenameParamsSchema = z.looseObject({ textDocument: documentId, position: positionSchema });
export const executeCommandParamsSchema = z.looseObject({ command: z.string(), arguments: z.array(z.unknown()).optional() });
export const codeActionSchema = z.looseObject({ title: z.string() });

export type Diagnostic = z.infer<typeof diagnosticSchema>;

/** The diagnostics of a codeAction request that are well formed; the others are dropped. */
export function diagnosticsOf(raw: readonly unknown[] | undefined): { diagnostics: Diagnostic[]; dropped: number } {
  const diagnostics: Diagnostic[] = [];
  for (const d of raw ?? []) {
    const parsed = diagnosticSchema.safeParse(d);
    if (parsed.success) diagnostics.push(parsed.data);
  }
  return { diagnostics, dropped: (raw?.length ?? 0) - diagnostics.length };
}
