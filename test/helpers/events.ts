import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EVENTS_DIR = join(__dirname, '..', '..', 'events');

/** A sample from `events/`, parsed fresh each time so tests can modify their copy. */
export function loadEvent(relativePath: string): any {
  return JSON.parse(readFileSync(join(EVENTS_DIR, relativePath), 'utf8'));
}

export function eventFiles(folder: string): string[] {
  return readdirSync(join(EVENTS_DIR, folder))
    .filter((name) => name.endsWith('.json'))
    .map((name) => `${folder}/${name}`);
}

/** The one public GuardDuty EKS finding that names a real workload (see events/PROVENANCE.md). */
export const ARGOCD_FINDING = 'guardduty/get-findings/eks-privileged-container-argocd.json';
