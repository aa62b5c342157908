import type { Connection } from 'vscode-languageserver/node';
import type { WorkDoneProgressServerReporter } from 'vscode-languageserver/node';

/**
 * `$/progress` for work that takes longer than `delayMs`: nothing is sent for
 * quick requests, so fast edits do not flash a progress bar.
 */
export class DelayedProgress {
  private timer: NodeJS.Timeout | undefined;
  private reporter: Promise<WorkDoneProgressServerReporter | undefined> | undefined;
  private lastMessage: string | undefined;
  private done = false;

  constructor(
    private connection: Connection,
    private enabled: boolean,
    private title: string,
    delayMs: number,
  ) {
    if (enabled) this.timer = setTimeout(() => this.begin(), delayMs);
  }

  report(message: string, percentage?: number): void {
    this.lastMessage = message;
    void this.reporter?.then((r) => r?.report(percentage ?? 0, message));
  }

  finish(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    void this.reporter?.then((r) => r?.done());
  }

  private begin(): void {
    if (this.done || !this.enabled) return;
    this.reporter = this.connection.window.createWorkDoneProgress().then(
      (r) => {
        r.begin(this.title, 0, this.lastMessage, false);
        if (this.done) r.done();
        return r;
      },
      () => undefined, // the client refused a progress token: run without one
    );
  }
}
