import { blockImageRelease } from './actions/block-image';
import { calicoDenyRelease } from './actions/calico-deny';
import { ciliumDenyRelease } from './actions/cilium-deny';
import { collectEvidenceRelease } from './actions/collect-evidence';
import { meshDenyRelease } from './actions/mesh-deny';
import { protectFromDisruptionRelease } from './actions/protect-from-disruption';
import { protectInstanceRelease } from './actions/protect-instance';
import { snapshotVolumesRelease } from './actions/snapshot-volumes';
import type { ActionRelease } from './action-release';

/**
 * How to undo each defense-in-depth and evidence action, by action name, for a release
 * playbook: run `release` over the action's own `targetsOf(context)`. Evidence (bundles,
 * snapshots) is kept by design.
 */
export const RELEASES: Readonly<Record<string, ActionRelease<any>>> = Object.fromEntries(
  [collectEvidenceRelease, ciliumDenyRelease, calicoDenyRelease, meshDenyRelease, protectFromDisruptionRelease, protectInstanceRelease, snapshotVolumesRelease, blockImageRelease].map(
    (release) => [release.action, release],
  ),
);
