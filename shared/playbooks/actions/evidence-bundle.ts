import { createHash } from 'node:crypto';
import type { EvidenceStore } from '../../adapters/ports';
import { describeError } from '../../errors';

/** One object of the bundle: what it is called, where it comes from, and how to read it. */
export interface EvidenceItem {
  key: string;
  /** The call that produced it, for the chain of custody. */
  source: string;
  contentType: 'application/json' | 'text/plain';
  /** The content, or why there is none. */
  read(): Promise<{ body: string; truncated?: boolean } | { missing: string }>;
}

export interface ManifestEntry {
  key: string;
  sha256: string;
  bytes: number;
  /** When the read completed. */
  takenAt: string;
  source: string;
  contentType: string;
  /** The log reached its byte cap; older lines were dropped by the API server's limitBytes. */
  truncated?: true;
}

export interface EvidenceManifest {
  format: 'eks-responder-evidence/1';
  incidentId: string;
  subject: string;
  collectedBy: string;
  startedAt: string;
  completedAt: string;
  limits: { logTailLines: number; logLimitBytes: number };
  objects: ManifestEntry[];
  missing: { key: string; source: string; reason: string }[];
}

export interface BundleResult {
  manifestLocation: string;
  manifestSha256: string;
  manifest: EvidenceManifest;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Reads every item (side by side), stores each under the prefix, then stores the manifest
 * listing each object's SHA-256, size, source and the time it was read. The manifest is written
 * last and its own hash goes into the report, so the report vouches for the whole bundle.
 */
export async function writeBundle(
  store: EvidenceStore,
  prefix: string,
  items: EvidenceItem[],
  header: Pick<EvidenceManifest, 'incidentId' | 'subject' | 'collectedBy' | 'limits'>,
): Promise<BundleResult> {
  const startedAt = new Date().toISOString();
  type Outcome = { entry: ManifestEntry } | { missing: EvidenceManifest['missing'][number] };
  const outcomes = await Promise.all(
    items.map(async (item): Promise<Outcome> => {
      let content: Awaited<ReturnType<EvidenceItem['read']>>;
      try {
        content = await item.read();
      } catch (error) {
        content = { missing: `read failed: ${describeError(error)}` };
      }
      const takenAt = new Date().toISOString();
      if ('missing' in content) return { missing: { key: item.key, source: item.source, reason: content.missing } };
      await store.put(`${prefix}${item.key}`, content.body, item.contentType);
      return {
        entry: {
          key: item.key,
          sha256: sha256(content.body),
          bytes: Buffer.byteLength(content.body, 'utf8'),
          takenAt,
          source: item.source,
          contentType: item.contentType,
          ...(content.truncated ? { truncated: true as const } : {}),
        },
      };
    }),
  );
  const manifest: EvidenceManifest = {
    format: 'eks-responder-evidence/1',
    ...header,
    startedAt,
    completedAt: new Date().toISOString(),
    objects: outcomes.flatMap((outcome) => ('entry' in outcome ? [outcome.entry] : [])),
    missing: outcomes.flatMap((outcome) => ('missing' in outcome ? [outcome.missing] : [])),
  };
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  const manifestLocation = await store.put(`${prefix}manifest.json`, body, 'application/json');
  return { manifestLocation, manifestSha256: sha256(body), manifest };
}
