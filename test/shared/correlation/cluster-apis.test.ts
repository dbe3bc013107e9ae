import { clusterApisFrom, describeClusterApis } from '../../../shared/correlation/cluster-apis';

describe('cluster APIs', () => {
  it('finds nothing on a plain cluster and says so', () => {
    const apis = clusterApisFrom(['apps/v1', 'networking.k8s.io/v1', 'batch/v1']);

    expect(apis).toEqual({});
    expect(describeClusterApis(apis)).toBe('cluster APIs: none of the add-ons checked; not served: Cilium, Calico, Istio, Karpenter, Kyverno, Gatekeeper');
  });

  it('names each add-on with the group version to use, preferring Calico’s API server and Istio v1', () => {
    const apis = clusterApisFrom([
      'cilium.io/v2',
      'crd.projectcalico.org/v1',
      'projectcalico.org/v3',
      'security.istio.io/v1beta1',
      'security.istio.io/v1',
      'karpenter.sh/v1',
      'kyverno.io/v1',
      'templates.gatekeeper.sh/v1',
    ]);

    expect(apis).toEqual({
      cilium: 'cilium.io/v2',
      calico: 'projectcalico.org/v3',
      istio: 'security.istio.io/v1',
      karpenter: 'karpenter.sh/v1',
      kyverno: 'kyverno.io/v1',
      gatekeeper: 'templates.gatekeeper.sh/v1',
    });
    expect(describeClusterApis(apis)).toBe(
      'cluster APIs: Cilium (cilium.io/v2), Calico (projectcalico.org/v3), Istio (security.istio.io/v1), Karpenter (karpenter.sh/v1), Kyverno (kyverno.io/v1), Gatekeeper (templates.gatekeeper.sh/v1)',
    );
  });

  it('falls back to the Calico storage CRDs and older Istio and Karpenter versions', () => {
    expect(clusterApisFrom(['crd.projectcalico.org/v1', 'security.istio.io/v1beta1', 'karpenter.sh/v1beta1'])).toEqual({
      calico: 'crd.projectcalico.org/v1',
      istio: 'security.istio.io/v1beta1',
      karpenter: 'karpenter.sh/v1beta1',
    });
  });
});
