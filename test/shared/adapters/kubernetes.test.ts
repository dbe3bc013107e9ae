import { ClientNodeKubernetes } from '../../../shared/adapters/kubernetes';
import { tlsKubeConfig } from '../../helpers/kubeconfig';
import { TEST_TLS } from '../../support/tls-files';
import { KubeApiServer } from '../../support/kube-api-server';

describe('ClientNodeKubernetes', () => {
  let server: KubeApiServer;
  let kube: ClientNodeKubernetes;

  beforeEach(async () => {
    server = await KubeApiServer.start({ tls: TEST_TLS, token: 'bench-token' });
    server.seed({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    kube = new ClientNodeKubernetes(tlsKubeConfig(server.url, 'bench-token'), 'test');
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
