import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { MOST_OPENED_AHEAD, openSdkConnectionsAhead, sdkConnectionPool } from '../../../shared/adapters/connection-pool';
import { ClientNodeKubernetes } from '../../../shared/adapters/kubernetes';
import { Limiter } from '../../../shared/adapters/limiter';
import { loadConfig } from '../../../shared/config';
import { createAdapters } from '../../../shared/dependencies';
import { tlsKubeConfig } from '../../helpers/kubeconfig';
import { TEST_TLS } from '../../support/tls-files';
import { FAKE_CREDENTIALS, FakeAws } from '../../support/fake-aws';
import { KubeApiServer } from '../../support/kube-api-server';
import { OpenConnections } from '../../support/open-connections';

/** Waits (bounded) until `condition` holds; the assertion after it says what was expected. */
async function eventually(condition: () => boolean, withinMs = 5000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Long enough for handshakes started now to reach the server. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe('opening connections ahead', () => {
  describe('to the Kubernetes API (ClientNodeKubernetes.openConnectionsAhead)', () => {
    let server: KubeApiServer;

    beforeEach(async () => {
      server = await KubeApiServer.start({ tls: TEST_TLS, token: 'pool-token' });
      server.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    });
    afterEach(() => server.stop());

    // One attempt: a request handed a dead connection would fail rather than be retried.
    const client = (limit?: number) =>
      new ClientNodeKubernetes(tlsKubeConfig(server.url, 'pool-token'), 'test', { attempts: 1, firstDelayMs: 1, maxDelayMs: 1 }, limit === undefined ? undefined : new Limiter(limit));
    const readConcurrently = (kube: ClientNodeKubernetes, count: number) => Promise.all(Array.from({ length: count }, () => kube.readNode('node-a')));

    it('opens as many TLS connections as calls may be in flight, and concurrent calls take them instead of opening their own', async () => {
      const kube = client(4);
      await kube.readNode('node-a');
      expect(server.connectionsOpened).toBe(1);

      kube.openConnectionsAhead();
      await eventually(() => server.connectionsOpened === 4);
      expect(server.connectionsOpened).toBe(4);

      const nodes = await readConcurrently(kube, 4);
      expect(nodes.map((node) => node?.name)).toEqual(['node-a', 'node-a', 'node-a', 'node-a']);
      expect(server.requests.map((request) => [request.status, request.bearerToken])).toEqual(Array.from({ length: 5 }, () => [200, 'pool-token']));
      expect(server.connectionsOpened).toBe(4);

      // Four open already: nothing more.
      kube.openConnectionsAhead();
      await settle();
      expect(server.connectionsOpened).toBe(4);
    });

    it('opens nothing without a bound on calls in flight, nor before the first call has reached the server', async () => {
      const unbounded = client();
      await unbounded.readNode('node-a');
      unbounded.openConnectionsAhead();
      await settle();
      expect(server.connectionsOpened).toBe(1);
      // Without connections opened ahead, concurrent calls open their own.
      await readConcurrently(unbounded, 3);
      expect(server.connectionsOpened).toBe(3);

      const fresh = client(4);
      fresh.openConnectionsAhead();
      await settle();
      expect(server.connectionsOpened).toBe(3);
    });

    it('never hands a request a connection the server has closed', async () => {
      const kube = client(3);
      await kube.readNode('node-a');
      kube.openConnectionsAhead();
      await eventually(() => server.connectionsOpened === 3);

      server.dropConnections();
      await settle();
      const nodes = await readConcurrently(kube, 2);

      expect(nodes.map((node) => node?.name)).toEqual(['node-a', 'node-a']);
      expect(server.requests.filter((request) => request.status !== 200)).toEqual([]);
      expect(server.connectionsOpened).toBe(5);
    });
  });

  describe('to AWS endpoints (sdkConnectionPool, openSdkConnectionsAhead)', () => {
    let fake: FakeAws;

    beforeEach(async () => {
      fake = await FakeAws.start();
      fake.addInstance({ instanceId: 'i-0pool000000000001' });
    });
    afterEach(() => fake.stop());

    it("opens connections ahead for the services asked for, whose clients have reached an endpoint; the SDK's calls take them", async () => {
      const requestHandler = sdkConnectionPool('pool-test-ec2');
      const ec2 = new EC2Client({ region: fake.region, endpoint: fake.url, credentials: FAKE_CREDENTIALS, requestHandler });
      const describe = () => ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0pool000000000001'] }));

      openSdkConnectionsAhead(['pool-test-ec2'], 3);
      await settle();
      expect(fake.connectionsOpened).toBe(0);

      await describe();
      openSdkConnectionsAhead(['pool-test-ec2', 'pool-test-ec2', 'pool-test-unknown'], 3);
      await eventually(() => fake.connectionsOpened === 3);
      expect(fake.connectionsOpened).toBe(3);

      const answers = await Promise.all([describe(), describe(), describe()]);
      expect(answers.map((answer) => answer.Reservations?.[0]?.Instances?.[0]?.InstanceId)).toEqual(Array.from({ length: 3 }, () => 'i-0pool000000000001'));
      expect(fake.connectionsOpened).toBe(3);
    });

    it(`opens at most ${MOST_OPENED_AHEAD} ahead to one origin, however many calls may be in flight`, async () => {
      const requestHandler = sdkConnectionPool('pool-test-many');
      const ec2 = new EC2Client({ region: fake.region, endpoint: fake.url, credentials: FAKE_CREDENTIALS, requestHandler });
      await ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0pool000000000001'] }));

      openSdkConnectionsAhead(['pool-test-many'], 1000);
      await eventually(() => fake.connectionsOpened === MOST_OPENED_AHEAD);
      await settle();

      expect(fake.connectionsOpened).toBe(MOST_OPENED_AHEAD);
    });

    it('a warm incident opens the EC2 connections its playbook will need once it reaches its cluster (createAdapters)', async () => {
      const kubeApi = await KubeApiServer.start();
      const directory = mkdtempSync(join(tmpdir(), 'eks-responder-pool-'));
      const restore = fake.applyEndpointEnv();
      try {
        const kubeconfigPath = join(directory, 'kubeconfig');
        kubeApi.writeKubeconfig(kubeconfigPath);
        const adapters = createAdapters(loadConfig({ ...fake.endpointEnv(), MAX_CONCURRENT_CALLS: '4' }, 'cli'), { kubeconfigPath });
        kubeApi.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
        const incident = async () => {
          adapters.prepare?.(['ec2', 'sns']);
          const kube = await adapters.connector.connect('any', fake.region);
          await kube.readNode('node-a');
          await adapters.ec2.describeInstance(fake.region, 'i-0pool000000000001');
        };

        // The first incident's EC2 client has reached no endpoint yet: it opens its one connection.
        await incident();
        await settle();
        expect(fake.connectionsOpened).toBe(1);

        await incident();
        await eventually(() => fake.connectionsOpened === 4 && kubeApi.connectionsOpened === 4);
        await settle();
        // As many as calls may be in flight, to EC2 and to the cluster; none for SNS, which has reached no endpoint.
        expect([fake.connectionsOpened, kubeApi.connectionsOpened]).toEqual([4, 4]);
      } finally {
        restore();
        rmSync(directory, { recursive: true, force: true });
        await kubeApi.stop();
      }
    });
  });

  describe('in a process that is done', () => {
    let server: Server;
    let connections: OpenConnections;
    let directory: string;

    beforeEach(async () => {
      server = createServer((_request, response) => response.end('ok'));
      connections = new OpenConnections(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      directory = mkdtempSync(join(tmpdir(), 'eks-responder-pool-exit-'));
    });
    afterEach(async () => {
      connections.dropAll();
      await new Promise((resolve) => server.close(resolve));
      rmSync(directory, { recursive: true, force: true });
    });

    it('idle connections opened ahead do not keep it running (a CLI run ends when its work does)', async () => {
      const script = join(directory, 'open-ahead.ts');
      const pool = join(__dirname, '..', '..', '..', 'shared', 'adapters', 'connection-pool.ts');
      writeFileSync(
        script,
        [
          `import http from 'node:http';`,
          `import { PoolingHttpAgent } from ${JSON.stringify(pool)};`,
          `const agent = new PoolingHttpAgent({ keepAlive: true });`,
          `http.get(process.argv[2], { agent }, (response) => {`,
          `  response.resume();`,
          `  response.on('end', () => {`,
          `    agent.openAhead(3);`,
          // Long enough for the connections to open; nothing else is left to do after it.
          `    setTimeout(() => console.log('done'), 300);`,
          `  });`,
          `});`,
        ].join('\n'),
      );
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const outcome = await new Promise<{ code: number | null; killed: boolean; stdout: string }>((resolve) => {
        const child = execFile(process.execPath, ['--import', 'tsx', script, url], { timeout: 15_000 }, (_error, stdout) =>
          resolve({ code: child.exitCode, killed: child.killed, stdout }),
        );
      });

      expect(outcome).toEqual({ code: 0, killed: false, stdout: 'done\n' });
      expect(connections.accepted).toBe(3);
    }, 30_000);
  });
});
