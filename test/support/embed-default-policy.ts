// Writes shared/policy/default-policy-text.ts from shared/policy/default-policy.yaml, the one
// source of truth. The module lets every bundle (esbuild), the CLI (tsx) and jest load the
// built-in policy without a file loader, already parsed and validated: a function's cold start
// loads neither the YAML parser nor the policy schema for it. A test fails when they differ.
//   npx tsx test/support/embed-default-policy.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { policySchema } from '../../shared/policy/schema';

export const POLICY_DIR = join(__dirname, '..', '..', 'shared', 'policy');
export const YAML_PATH = join(POLICY_DIR, 'default-policy.yaml');
export const MODULE_PATH = join(POLICY_DIR, 'default-policy-text.ts');

export function embeddedModule(yamlText: string): string {
  return [
    '// Generated from default-policy.yaml by test/support/embed-default-policy.ts; edit the YAML, then',
    '// run `npx tsx test/support/embed-default-policy.ts`. A test checks the two are the same.',
    "import type { ResponsePolicy } from './schema';",
    '',
    `export const DEFAULT_POLICY_YAML = ${JSON.stringify(yamlText)};`,
    '',
    '/** DEFAULT_POLICY_YAML parsed and validated by the policy schema: defaults filled in, durations in milliseconds. */',
    `export const DEFAULT_POLICY: ResponsePolicy = ${JSON.stringify(policySchema.parse(parseDocument(yamlText).toJS({ maxAliasCount: 100 })))};`,
    '',
  ].join('\n');
}

if (require.main === module) {
  writeFileSync(MODULE_PATH, embeddedModule(readFileSync(YAML_PATH, 'utf8')));
  process.stdout.write(`wrote ${MODULE_PATH}\n`);
}
