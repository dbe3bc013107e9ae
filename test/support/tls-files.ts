import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The certificate and key the local Kubernetes API server serves HTTPS with (tls/README.md). */
export const TEST_TLS = { key: readFileSync(join(__dirname, 'tls', 'localhost.key'), 'utf8'), cert: readFileSync(join(__dirname, 'tls', 'localhost.crt'), 'utf8') };
