import { Limiter } from '../../../shared/adapters/limiter';

/** A call that stays in flight until the test settles it. */
function pendingCall() {
  let settle!: (fail?: boolean) => void;
  const promise = new Promise<string>((resolve, reject) => (settle = (fail) => (fail ? reject(new Error('refused')) : resolve('done'))));
  return { promise, settle };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('Limiter', () => {
  it('keeps at most its limit in flight and starts the others in arrival order as slots free up', async () => {
    const limiter = new Limiter(2);
    const calls = [pendingCall(), pendingCall(), pendingCall(), pendingCall()];
    const started: number[] = [];
    const results = calls.map((call, index) =>
      limiter.run(() => {
        started.push(index);
        return call.promise;
      }),
    );
    const outcomes = Promise.allSettled(results);
    await flush();
    expect(started).toEqual([0, 1]);
    expect(limiter.inFlight).toBe(2);

    calls[1].settle(true);
    await flush();
    expect(started).toEqual([0, 1, 2]);
    expect(limiter.inFlight).toBe(2);

    calls[0].settle();
    calls[2].settle();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    calls[3].settle();

    await expect(outcomes).resolves.toEqual([
      { status: 'fulfilled', value: 'done' },
      { status: 'rejected', reason: new Error('refused') },
      { status: 'fulfilled', value: 'done' },
      { status: 'fulfilled', value: 'done' },
    ]);
    expect(limiter.inFlight).toBe(0);
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
    expect(() => new Limiter(1.5)).toThrow(RangeError);
  });
});
