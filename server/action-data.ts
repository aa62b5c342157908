import { z } from 'zod';
import { EDIT_KINDS, editArgsSchema } from '../protocol/edit-task.js';

const positionSchema = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
const rangeSchema = z.object({ start: positionSchema, end: positionSchema });

/**
 * What a code action carries in `data` (and, for clients without resolve, as
 * its command's argument): enough to compute the edit later, tied to the
 * document version it was offered on. It comes back through the client, so it
 * is validated like any untrusted input.
 */
export const actionDataSchema = z.object({
  uri: z.string().min(1),
  version: z.number().int(),
  kind: z.enum(EDIT_KINDS),
  range: rangeSchema,
  // Absent when empty: Emacs' JSON reads `{}` as nil and writes it back as `null`, which is taken as empty too.
  args: z.preprocess((v) => v ?? undefined, editArgsSchema.default({})),
});
export type ActionData = z.infer<typeof actionDataSchema>;
/** As the server sends it: `args` only when there are any. */
export type ActionDataSent = z.input<typeof actionDataSchema>;

/** Arguments of `specedit.edit`. */
export const instructionArgsSchema = z.object({
  uri: z.string().min(1),
  range: rangeSchema,
  instruction: z.string().trim().min(1, 'the instruction is empty'),
  /** Optional: the version the range refers to; the current version when absent. */
  version: z.number().int().optional(),
});
export type InstructionArgs = z.infer<typeof instructionArgsSchema>;

export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
