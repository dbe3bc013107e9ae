import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

const TLS_DIR = join(__dirname, '..', 'support', 'tls');

/** The test certificate and key the local Kubernetes API server serves HTTPS with. */
export const TEST_TLS = { key: readFileSync(join(TLS_DIR, 'localhost.key'), 'utf8'), cert: readFileSync(join(TLS_DIR, 'localhost.crt'), 'utf8') };

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
