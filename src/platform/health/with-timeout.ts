/** What `withTimeout` rejects with when the time is up (the work itself may still be running). */
export class TimedOutError extends Error {
  constructor(
    message: string,
    readonly ms: number,
  ) {
    super(message);
    this.name = 'TimedOutError';
  }
}

/** Resolves like `work`, or rejects after `ms` with a TimedOutError naming what timed out. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOutError(`${what} did not answer within ${ms} ms`, ms)), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
