import { afterPendingIo } from './event-loop';

/**
 * Something loaded once, on first use: `load` runs once the requests already made have gone out
 * (loading a module blocks the process), and concurrent callers share it. A failed load is not
 * kept, so the next use tries again.
 */
export function onDemand<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    if (!loaded) {
      const pending = afterPendingIo().then(load);
      loaded = pending;
      pending.catch(() => {
        if (loaded === pending) loaded = undefined;
      });
    }
    return loaded;
  };
}

/**
 * A port whose implementation, and the SDK client module behind it, loads on its first call (or
 * when `load` is called ahead of it): a function that never makes such a call never loads the
 * module. Every call of such a port must be asynchronous; `known` gives its plain properties,
 * needed before any load.
 */
export function lazyPort<T extends object>(load: () => Promise<T>, known: Partial<T> = {}): T {
  const port = onDemand(load);
  const proxy = new Proxy(known as T, {
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
  portLoaders.set(proxy, port);
  return proxy;
}

const portLoaders = new WeakMap<object, () => Promise<unknown>>();

/**
 * Loads a lazy port ahead of its first call: its module and its client, whose construction
 * (configuration, middleware) would otherwise fall on that first call. Any other port is ready.
 */
export async function preparePort(port: object): Promise<void> {
  await portLoaders.get(port)?.();
}
