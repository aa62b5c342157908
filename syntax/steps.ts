/**
 * Long syntax work (a rename of 100k references) written once as a generator
 * that yields between small chunks, and run two ways: `finish` at once (code
 * actions, tests, small files), `runInSlices` letting the event loop in every
 * few milliseconds, so that other requests and `didChange` are served
 * meanwhile, and stopping as soon as the work is no longer wanted.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end without pausing. */
export function finish<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Runs `steps`, pausing (`setImmediate`) once a slice of `sliceMs` is used up;
 * undefined when `stopped()` is true before the start or after a pause.
 */
export async function runInSlices<T>(steps: Steps<T>, stopped: () => boolean, sliceMs = 8): Promise<T | undefined> {
  if (stopped()) return undefined;
  let sliceEnd = performance.now() + sliceMs;
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() < sliceEnd) continue;
    await new Promise((resolve) => setImmediate(resolve));
    if (stopped()) {
      steps.return(undefined as T);
      return undefined;
    }
    sliceEnd = performance.now() + sliceMs;
  }
}
