/**
 * One change at a time per target in a process. When a burst of findings about the same pod
 * reaches one warm handler, their incidents plan and apply one after the other, each on what
 * the previous one left (a written object is read afresh, or taken from the write's answer,
 * never from a copy read before the write), instead of all planning on the same state and colliding.
 */
const tails = new Map<string, Promise<void>>();

/** Waits for the target's previous holder, then answers the function that releases it. */
export async function lockTarget(key: string): Promise<() => void> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => released);
  tails.set(key, tail);
  await previous;
  return () => {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  };
}
