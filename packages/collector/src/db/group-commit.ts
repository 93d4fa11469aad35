/**
 * Group commit: writes that arrive while the event loop is busy are gathered and committed in
 * one transaction on the next turn, and each caller's promise settles only after that commit.
 * A crash before the commit loses only writes nobody was told about; after it, all of them are
 * on disk. One commit for many small writes is where ingest throughput comes from.
 */
export function groupCommit<I, O>(commit: (items: I[]) => O[] | Promise<O[]>): (items: I[]) => Promise<O[]> {
  let queue: { items: I[]; resolve: (out: O[]) => void; reject: (error: unknown) => void }[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    const settle = (results: O[]) => {
      let offset = 0;
      for (const b of batch) {
        b.resolve(results.slice(offset, offset + b.items.length));
        offset += b.items.length;
      }
    };
    const fail = (error: unknown) => {
      for (const b of batch) b.reject(error);
    };
    try {
      const results = commit(batch.flatMap((b) => b.items));
      if (Array.isArray(results)) settle(results);
      else results.then(settle, fail);
    } catch (error) {
      fail(error);
    }
  };
  return (items) =>
    new Promise<O[]>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ items, resolve, reject });
    });
}
