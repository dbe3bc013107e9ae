import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ClientNodeKubernetes } from '../../../shared/adapters/kubernetes';
import { KubeApiServer } from '../../support/kube-api-server';

const TLS_DIR = join(__dirname, '..', '..', 'support', 'tls');

describe('ClientNodeKubernetes', () => {
  let server: KubeApiServer;
  let kube: ClientNodeKubernetes;

  beforeEach(async () => {
    const tls = { key: readFileSync(join(TLS_DIR, 'localhost.key'), 'utf8'), cert: readFileSync(join(TLS_DIR, 'localhost.crt'), 'utf8') };
    server = await KubeApiServer.start({ tls, token: 'bench-token' });
    server.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'test', server: server.url, caData: Buffer.from(tls.cert).toString('base64') }],
      users: [{ name: 'test', token: 'bench-token' }],
      contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
      currentContext: 'test',
    });
    kube = new ClientNodeKubernetes(config, 'test');
  });

  afterEach(async () => {
    await server.stop();
  });

  it('reuses one TLS connection for consecutive calls of every API, authenticated and verified by the cluster CA', async () => {
    const nodes = [await kube.readNode('node-a'), await kube.readNode('node-a'), await kube.readNode('missing')];
    const manifest = await kube.readManifest('Node', undefined, 'node-a');

    expect(nodes.map((node) => node?.name)).toEqual(['node-a', 'node-a', undefined]);
    expect(JSON.parse(manifest ?? '{}').metadata.name).toBe('node-a');
    expect(server.requests.map((request) => [request.status, request.bearerToken])).toEqual([
      [200, 'bench-token'],
      [200, 'bench-token'],
      [404, 'bench-token'],
      [200, 'bench-token'],
    ]);
    expect(server.connectionsOpened).toBe(1);
  });
});
