import { createClusterToken, TOKEN_LIFETIME_MS } from '../../../shared/adapters/eks-token';

const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' });

function decode(token: string): URL {
  return new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
}

describe('EKS token', () => {
  it('is a presigned STS GetCallerIdentity URL that signs the cluster name header', async () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    const { token, expiresAt } = await createClusterToken('prod', 'eu-west-1', credentials, now);
    const url = decode(token);

    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    expect(token).not.toMatch(/=+$/);
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261124/eu-west-1/sts/aws4_request');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261124T100000Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session-token');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(expiresAt).toBe(now + TOKEN_LIFETIME_MS);
  });

  it('binds the signature to the cluster: another cluster gets another signature', async () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    const a = decode((await createClusterToken('prod', 'eu-west-1', credentials, now)).token);
    const b = decode((await createClusterToken('staging', 'eu-west-1', credentials, now)).token);

    expect(a.searchParams.get('X-Amz-Signature')).not.toBe(b.searchParams.get('X-Amz-Signature'));
  });

  it('uses the China partition host in cn- regions', async () => {
    const url = decode((await createClusterToken('prod', 'cn-north-1', credentials)).token);

    expect(url.host).toBe('sts.cn-north-1.amazonaws.com.cn');
  });
});
