import { KubeConfig } from '@kubernetes/client-node';
import { TEST_TLS } from '../support/tls-files';

/** A kubeconfig that reaches `server` over HTTPS, verifying it against the test certificate, with a bearer token. */
export function tlsKubeConfig(server: string, token: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'test', server, caData: Buffer.from(TEST_TLS.cert).toString('base64') }],
    users: [{ name: 'test', token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return config;
}
