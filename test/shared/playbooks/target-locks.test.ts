import { lockTarget } from '../../../shared/playbooks/target-locks';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('target locks', () => {
  it('gives a target to one holder at a time, in request order, and other targets at once', async () => {
    const events: string[] = [];
    const hold = async (key: string, name: string, until: Promise<void>) => {
      const release = await lockTarget(key);
      events.push(`${name} in`);
      await until;
      events.push(`${name} out`);
      release();
    };
    let letFirstGo!: () => void;
    const first = hold('pod web/a', 'first', new Promise((resolve) => (letFirstGo = resolve)));
    const second = hold('pod web/a', 'second', Promise.resolve());
    const other = hold('pod web/b', 'other', Promise.resolve());
    await flush();

    expect(events).toEqual(['first in', 'other in', 'other out']);

    letFirstGo();
    await Promise.all([first, second, other]);
    expect(events).toEqual(['first in', 'other in', 'other out', 'first out', 'second in', 'second out']);
  });

  it('is free again once every holder has released it', async () => {
    (await lockTarget('node n1'))();
    const release = await Promise.race([lockTarget('node n1'), new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);

    expect(release).toBeInstanceOf(Function);
    release?.();
  });
});
