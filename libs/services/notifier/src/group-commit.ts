/**
 * Group commit: items handed in while a flush runs are written together by the next one, so N
 * concurrent sends cost about one statement instead of N, and a lone item is written at once (no
 * timer, no added latency). Each caller's promise settles with its own flush.
 */
export function groupCommit<T, R>(flush: (items: T[]) => Promise<R>): (item: T) => Promise<R> {
  let queue: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let running = false;

  const drain = async (): Promise<void> => {
    running = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const result = await flush(batch.map((b) => b.item));
        for (const b of batch) b.resolve(result);
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    running = false;
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!running) void drain();
    });
}
