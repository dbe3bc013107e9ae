import { afterPendingIo } from './event-loop';

/**
 * A port whose implementation, and the SDK client module behind it, loads on its first call,
 * for ports whose every call is asynchronous and off the isolation path (Security Hub updates,
 * which go out with the notifications): a function that never makes such a call never loads the
 * module, and one that does loads it once the requests made alongside the call have gone out.
 * `known` gives the port's plain properties, needed before any load.
 */
export function lazyPort<T extends object>(load: () => Promise<T>, known: Partial<T> = {}): T {
  let loaded: Promise<T> | undefined;
  const port = () => {
    loaded ??= afterPendingIo().then(load);
    loaded.catch(() => (loaded = undefined));
    return loaded;
  };
  return new Proxy(known as T, {
    get(target, key) {
      if (key in target) return target[key as keyof T];
      // Never a thenable, nor anything converted implicitly: only named calls load the port.
      if (typeof key === 'symbol' || key === 'then') return undefined;
      return async (...args: unknown[]) => {
        const implementation = await port();
        const member = implementation[key as keyof T] as unknown as (...params: unknown[]) => unknown;
        return member.apply(implementation, args);
      };
    },
  });
}
