import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The SDK's default credential chain, set up on first use. Its module is part of every SDK
 * client's, the EKS client's included, which loads with the function anyway.
 */
export function defaultCredentials(): AwsCredentialIdentityProvider {
  let chain: AwsCredentialIdentityProvider | undefined;
  return async () => {
    chain ??= defaultProvider();
    return chain();
  };
}

/** EKS accepts a token for 15 minutes after signing; we renew a minute early. */
export const TOKEN_LIFETIME_MS = 14 * 60 * 1000;

export interface ClusterToken {
  token: string;
  expiresAt: number;
}

function stsHostname(region: string): string {
  return region.startsWith('cn-') ? `sts.${region}.amazonaws.com.cn` : `sts.${region}.amazonaws.com`;
}

/**
 * An EKS bearer token: a presigned STS GetCallerIdentity URL bound to the cluster by the
 * signed `x-k8s-aws-id` header, base64url-encoded behind `k8s-aws-v1.`. Signed by the SDK's
 * SigV4 signer, the same way `aws eks get-token` does it.
 */
export async function createClusterToken(cluster: string, region: string, credentials: AwsCredentialIdentityProvider, now = Date.now()): Promise<ClusterToken> {
  const signer = new SignatureV4({ credentials, region, service: 'sts', sha256: Hash.bind(null, 'sha256'), uriEscapePath: true });
  const hostname = stsHostname(region);
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: hostname, 'x-k8s-aws-id': cluster },
  });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate: new Date(now) });
  const query = new URLSearchParams(signed.query as Record<string, string>).toString();
  const url = `https://${hostname}/?${query}`;
  return { token: `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`, expiresAt: now + TOKEN_LIFETIME_MS };
}
