import { lazyPort, preparePort } from '../../../shared/adapters/lazy-port';

interface Store {
  readonly location: string;
  put(key: string, body: string): Promise<string>;
}

class MemoryStore implements Store {
  readonly location = 'memory://';
  readonly saved: string[] = [];
  async put(key: string, body: string): Promise<string> {
    this.saved.push(`${key}=${body}`);
    return `${this.location}${key}`;
  }
}

describe('lazyPort', () => {
  it('loads the implementation on the first call only, and calls it with its own this', async () => {
    const store = new MemoryStore();
    const load = jest.fn(async () => store);
    const port = lazyPort<Store>(load, { location: 'memory://' });

    expect(port.location).toBe('memory://');
    expect(load).not.toHaveBeenCalled();

    const locations = await Promise.all([port.put('a', '1'), port.put('b', '2')]);

    expect(locations).toEqual(['memory://a', 'memory://b']);
    expect(store.saved).toEqual(['a=1', 'b=2']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('is not a thenable, so awaiting the port itself loads nothing', async () => {
    const load = jest.fn(async () => new MemoryStore());
    const port = lazyPort<Store>(load);

    await expect(Promise.resolve(port)).resolves.toBe(port);
    expect(load).not.toHaveBeenCalled();
  });

  it('tries the load again on the next call after it failed', async () => {
    const load = jest.fn<Promise<Store>, []>().mockRejectedValueOnce(new Error('module not found')).mockResolvedValue(new MemoryStore());
    const port = lazyPort<Store>(load);

    await expect(port.put('a', '1')).rejects.toThrow('module not found');
    await expect(port.put('a', '1')).resolves.toBe('memory://a');
  });

  it('can be loaded ahead of its first call, which then loads nothing more', async () => {
    const store = new MemoryStore();
    const load = jest.fn(async () => store);
    const port = lazyPort<Store>(load);

    await preparePort(port);
    expect(load).toHaveBeenCalledTimes(1);
    await expect(port.put('a', '1')).resolves.toBe('memory://a');
    expect(load).toHaveBeenCalledTimes(1);
    // Anything that is not a lazy port is ready as it is.
    await expect(preparePort(store)).resolves.toBeUndefined();
  });
});
