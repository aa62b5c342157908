/**
 * Running edit computations, so that older work is cancelled when it can no
 * longer be used: a change of its document, a newer request on the same
 * scope, or the client's `$/cancelRequest`. Cancellation is cooperative: the
 * orchestrator checks the signal between verifier steps.
 */
export class WorkTracker {
  private running = new Map<AbortController, { uri: string; scopeKey: string }>();

  /** Starts tracking work on `scopeKey` of `uri`, cancelling older work on the same scope. */
  start(uri: string, scopeKey: string): AbortController {
    for (const [controller, work] of this.running) {
      if (work.uri === uri && work.scopeKey === scopeKey) controller.abort(new Error('superseded by a newer request on the same scope'));
    }
    const controller = new AbortController();
    this.running.set(controller, { uri, scopeKey });
    return controller;
  }

  finish(controller: AbortController): void {
    this.running.delete(controller);
  }

  /** The document changed or closed: every computation on it is stale. */
  cancelDocument(uri: string): void {
    for (const [controller, work] of this.running) {
      if (work.uri === uri) controller.abort(new Error('the document changed'));
    }
  }

  get size(): number {
    return this.running.size;
  }
}
