import { hintedRoles, MAX_HINTED_ROLES, rememberIrsaRoles, rememberPodIdentityRoles, ROLE_HINTS_MS } from '../../../shared/correlation/role-hints';

// Each test its own cluster key: the hints are module state, as in a warm process.
let cluster = 0;
const nextCluster = () => `123456789012/us-east-1/cluster-${(cluster += 1)}`;
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

describe('role hints', () => {
  it("gives the roles the namespace's service accounts held, or the named one's only", () => {
    const key = nextCluster();
    rememberIrsaRoles(key, [
      { namespace: 'web', serviceAccount: 'frontend', roleArn: role('frontend') },
      { namespace: 'web', serviceAccount: 'worker', roleArn: role('worker') },
      { namespace: 'web', serviceAccount: 'default' },
      { namespace: 'webhooks', serviceAccount: 'relay', roleArn: role('relay') },
    ], 1000);

    expect(hintedRoles(key, { namespace: 'web' }, 1000).sort()).toEqual([role('frontend'), role('worker')]);
    expect(hintedRoles(key, { namespace: 'web', serviceAccount: 'worker' }, 1000)).toEqual([role('worker')]);
    expect(hintedRoles(key, { namespace: 'web', serviceAccount: 'default' }, 1000)).toEqual([]);
    expect(hintedRoles(nextCluster(), { namespace: 'web' }, 1000)).toEqual([]);
  });

  it('takes an IRSA annotation over a Pod Identity association, as correlation does', () => {
    const key = nextCluster();
    rememberIrsaRoles(key, [{ namespace: 'jobs', serviceAccount: 'batch', roleArn: role('batch-irsa') }], 0);
    rememberPodIdentityRoles(key, [
      { namespace: 'jobs', serviceAccount: 'batch', roleArn: role('batch-pod-identity') },
      { namespace: 'jobs', serviceAccount: 'report', roleArn: role('report-pod-identity') },
    ], 0);

    expect(hintedRoles(key, { namespace: 'jobs' }, 0).sort()).toEqual([role('batch-irsa'), role('report-pod-identity')]);
  });

  it('forgets what it saw after ROLE_HINTS_MS, and a new list replaces the old one', () => {
    const key = nextCluster();
    rememberIrsaRoles(key, [{ namespace: 'web', serviceAccount: 'frontend', roleArn: role('frontend') }], 0);

    expect(hintedRoles(key, { namespace: 'web' }, ROLE_HINTS_MS - 1)).toEqual([role('frontend')]);
    expect(hintedRoles(key, { namespace: 'web' }, ROLE_HINTS_MS)).toEqual([]);
    rememberIrsaRoles(key, [{ namespace: 'web', serviceAccount: 'frontend', roleArn: role('frontend-v2') }], ROLE_HINTS_MS);
    expect(hintedRoles(key, { namespace: 'web' }, ROLE_HINTS_MS)).toEqual([role('frontend-v2')]);
  });

  it('guesses nothing in a namespace that holds more roles than are worth reading on a guess', () => {
    const key = nextCluster();
    const many = Array.from({ length: MAX_HINTED_ROLES + 1 }, (_, index) => ({ namespace: 'shared', serviceAccount: `app-${index}`, roleArn: role(`app-${index}`) }));
    rememberIrsaRoles(key, many, 0);

    expect(hintedRoles(key, { namespace: 'shared' }, 0)).toEqual([]);
    expect(hintedRoles(key, { namespace: 'shared', serviceAccount: 'app-2' }, 0)).toEqual([role('app-2')]);
  });
});
