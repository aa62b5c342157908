/**
 * A drafter guesses how the verifier's output continues. It knows nothing of
 * the target model: it sees token ids and hears how many of its guesses were
 * accepted. A wrong guess costs time, never correctness.
 */
import type { Token } from '../verifier/target-model.js';

export interface Drafter {
  /** Name for logs and statistics. */
  readonly name: string;
  /** A new verify run starts after `prompt`; forget per-run state. */
  begin(prompt: readonly Token[]): void;
  /** Up to `maxTokens` tokens that probably follow `output` (may be empty). */
  draft(output: readonly Token[], maxTokens: number): Token[];
  /** The verifier accepted the first `acceptedCount` tokens of this drafter's last draft. */
  accept(acceptedCount: number): void;
}
