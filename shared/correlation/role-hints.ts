/**
 * Which IAM role each service account held when an earlier incident in this warm process looked
 * (its IRSA annotation, or its EKS Pod Identity association). A hint only chooses which
 * revocation policies to start reading with an incident's first round trip, before its pods
 * are known: the incident's own reads still decide the role, and a hint that turns out wrong
 * costs one read, never a wrong revocation.
 */

/** How long what an incident saw serves as hints for the next ones. */
export const ROLE_HINTS_MS = 5 * 60 * 1000;

/** More candidate roles than this in a namespace: no guess is worth that many reads. */
export const MAX_HINTED_ROLES = 3;

export interface HeldRole {
  namespace: string;
  serviceAccount: string;
  roleArn?: string;
}

interface Seen {
  at: number;
  roles: Map<string, string>;
}

/** Per cluster (`account/region/name`), per kind of hint: IRSA annotations win over Pod Identity, as in correlation. */
const irsaSeen = new Map<string, Seen>();
const podIdentitySeen = new Map<string, Seen>();

const keyOf = (namespace: string, serviceAccount: string) => `${namespace}/${serviceAccount}`;

function remember(store: Map<string, Seen>, cluster: string, held: HeldRole[], now: number): void {
  const roles = new Map<string, string>();
  for (const item of held) if (item.roleArn) roles.set(keyOf(item.namespace, item.serviceAccount), item.roleArn);
  store.set(cluster, { at: now, roles });
}

/** Every service account of the cluster with its IRSA role, as a complete list just answered. */
export function rememberIrsaRoles(cluster: string, held: HeldRole[], now = Date.now()): void {
  remember(irsaSeen, cluster, held, now);
}

/** Every Pod Identity association of the cluster with its role. */
export function rememberPodIdentityRoles(cluster: string, held: HeldRole[], now = Date.now()): void {
  remember(podIdentitySeen, cluster, held, now);
}

/**
 * The roles the service accounts in scope held when last seen: `serviceAccount` when the finding
 * names it, else every service account of `namespace`. None when nothing recent was seen, or
 * when the namespace holds more roles than are worth reading on a guess.
 */
export function hintedRoles(cluster: string, scope: { namespace: string; serviceAccount?: string }, now = Date.now()): string[] {
  const fresh = (seen: Seen | undefined) => (seen && now - seen.at < ROLE_HINTS_MS ? seen.roles : new Map<string, string>());
  const irsa = fresh(irsaSeen.get(cluster));
  const podIdentity = fresh(podIdentitySeen.get(cluster));
  const inScope = (key: string) => (scope.serviceAccount ? key === keyOf(scope.namespace, scope.serviceAccount) : key.startsWith(`${scope.namespace}/`));
  const roles = new Set<string>();
  for (const key of new Set([...irsa.keys(), ...podIdentity.keys()])) {
    if (!inScope(key)) continue;
    const role = irsa.get(key) ?? podIdentity.get(key);
    if (role) roles.add(role);
  }
  return roles.size > MAX_HINTED_ROLES ? [] : [...roles];
}
