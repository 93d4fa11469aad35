/**
 * Group commit over a network database: while one batch's transaction is in flight, new
 * writes queue; when it commits, everything queued goes in the next transaction (one
 * multi-row insert). Each caller's promise settles only after the COMMIT of the transaction
 * that holds its items, so an acknowledged beacon is durable. An idle writer starts on the
 * next turn of the event loop, so writes of one turn share a transaction too. A failed batch
 * rejects only its own callers; the next batch runs as usual.
 */
export function groupCommit<I, O>(commit: (items: I[]) => Promise<O[]>): (items: I[]) => Promise<O[]> {
  let queue: { items: I[]; resolve: (out: O[]) => void; reject: (error: unknown) => void }[] = [];
  let running = false;
  const drain = async () => {
    running = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const results = await commit(batch.flatMap((b) => b.items));
        let offset = 0;
        for (const b of batch) {
          b.resolve(results.slice(offset, offset + b.items.length));
          offset += b.items.length;
        }
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    running = false;
  };
  return (items) =>
    new Promise<O[]>((resolve, reject) => {
      queue.push({ items, resolve, reject });
      if (!running && queue.length === 1) setImmediate(() => void (running || drain()));
    });
}
