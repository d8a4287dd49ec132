/**
 * Runs `work` while holding an exclusive lock named `key`, across every scraper replica. Keycloak
 * rotates the refresh token on every refresh and refuses the old one (research/bayimco.md §2.2), so
 * two replicas refreshing the same credential at once would kill its chain: one wins, the other's
 * token is gone. The scraper supplies a Postgres advisory lock; see `createBayimcoAdapter`.
 */
export type RefreshLock = <T>(key: string, work: () => Promise<T>) => Promise<T>;

const chains = new Map<string, Promise<unknown>>();

/**
 * The fallback: serializes refreshes inside this process only. Across processes the token keeper
 * still re-reads the stored tokens after a refusal and adopts a peer's rotation, which narrows but
 * does not close the race; only the shared lock closes it.
 */
export const inProcessLock: RefreshLock = async (key, work) => {
  const previous = chains.get(key) ?? Promise.resolve();
  const run = previous.then(work, work);
  const tail = run.catch(() => undefined);
  chains.set(key, tail);
  try {
    return await run;
  } finally {
    if (chains.get(key) === tail) chains.delete(key);
  }
};
