import { Preloader } from '../../../shared/adapters/preload';

/** Loaders that record when each starts and ends; `fail` names one that rejects. */
function recordingLoaders(fail?: string) {
  const events: string[] = [];
  const loader = (name: string) => async () => {
    events.push(`start ${name}`);
    await new Promise((resolve) => setImmediate(resolve));
    events.push(`end ${name}`);
    if (name === fail) throw new Error(`${name} module not found`);
  };
  return { events, loaders: { iam: loader('iam'), ec2: loader('ec2'), sns: loader('sns') } };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('Preloader', () => {
  it('loads nothing before start, then each wanted service once, one after another', async () => {
    const { events, loaders } = recordingLoaders();
    const preloader = new Preloader(loaders);

    preloader.want(['iam', 'ec2', 'iam']);
    await settle();
    expect(events).toEqual([]);

    preloader.start();
    preloader.start();
    await settle();

    expect(events).toEqual(['start iam', 'end iam', 'start ec2', 'end ec2']);
  });

  it('loads a service wanted after start right away, and ignores services it has no loader for', async () => {
    const { events, loaders } = recordingLoaders();
    const preloader = new Preloader({ ...loaders, dynamodb: undefined });

    preloader.start();
    preloader.want(['sns', 's3', 'dynamodb']);
    await settle();

    expect(events).toEqual(['start sns', 'end sns']);
  });

  it('goes on with the next load after one fails', async () => {
    const { events, loaders } = recordingLoaders('iam');
    const preloader = new Preloader(loaders);

    preloader.want(['iam', 'sns']);
    preloader.start();
    await settle();

    expect(events).toEqual(['start iam', 'end iam', 'start sns', 'end sns']);
  });
});
