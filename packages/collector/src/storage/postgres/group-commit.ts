/**
 * Group commit over a network database: while `inFlight` batches' transactions are on their
 * way, new writes queue; when one commits, everything queued goes in the next transaction (one
 * multi-row statement). Each caller's promise settles only after the COMMIT of the transaction
 * that holds its items, so an acknowledged beacon is durable. An idle writer starts on the next
 * turn of the event loop, so writes of one turn share a transaction too. A failed batch rejects
 * only its own callers; the next batch runs as usual. Two in flight keep the database busy while
 * one batch waits for its commit to reach the disk.
 */
export function groupCommit<I, O>(commit: (items: I[]) => Promise<O[]>, inFlight = 1): (items: I[]) => Promise<O[]> {
  let queue: { items: I[]; resolve: (out: O[]) => void; reject: (error: unknown) => void }[] = [];
  let running = 0;
  let scheduled = false;
  const run = async () => {
    running++;
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
    running--;
  };
  const kick = () => {
    scheduled = false;
    if (queue.length > 0 && running < inFlight) void run();
  };
  return (items) =>
    new Promise<O[]>((resolve, reject) => {
      queue.push({ items, resolve, reject });
      if (!scheduled && running < inFlight) {
        scheduled = true;
        setImmediate(kick);
      }
    });
}
