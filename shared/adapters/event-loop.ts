/**
 * Two turns of the event loop. Loading a large module blocks the process; called first, it lets
 * the requests already made go out (their connection and write callbacks run in between), so
 * the load overlaps their round trips instead of delaying them.
 */
export async function afterPendingIo(): Promise<void> {
  for (let turn = 0; turn < 2; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}
