import { Option, type Command } from 'commander';
import { SdkGuardDuty } from '../adapters/guardduty';
import type { GuardDutyPort } from '../adapters/ports';
import { loadConfig } from '../config';
import { BadInputError } from '../errors';
import { MODES, type Mode } from '../model';
import { loadPolicyFile } from '../policy/load';
import type { ResponsePolicy } from '../policy/schema';
import { policyOutcome, simulatePolicy, type PolicyOutcome } from '../policy/simulate';
import { policyProvider, ssmParameters } from '../policy/source';
import { normalizeEvent, splitInput } from '../sources';
import { parseDuration } from './duration';

/** What the policy commands need from the command line's main module. */
export interface PolicyCommandContext {
  io: { stdout: (text: string) => void; env: NodeJS.ProcessEnv; deps?: { guardDuty?: GuardDutyPort } };
  setExit: (code: number) => void;
  readEventDocument: (path: string) => unknown;
}

/** The policy a command uses: --policy, else POLICY_SSM_PARAMETER, else the built-in one; and what to call it. */
export async function commandPolicy(file: string | undefined, env: NodeJS.ProcessEnv): Promise<{ policy: ResponsePolicy; origin: string }> {
  const { policySsmParameter } = loadConfig(env, 'cli');
  const origin = file ?? (policySsmParameter ? `ssm:${policySsmParameter}` : 'built-in policy');
  return { policy: await policyProvider({ file, ssmParameter: policySsmParameter }, ssmParameters)(), origin };
}

const pad = (text: string, width: number) => text.padEnd(width);

function outcomeLine(outcome: PolicyOutcome): string {
  const where = outcome.cluster ? `${outcome.cluster}${outcome.namespace ? `/${outcome.namespace}` : ''}` : '-';
  const action = outcome.decision === 'ignore' ? 'ignore' : `${outcome.decision} ${outcome.playbook}`;
  const rule = outcome.rule === '-' ? outcome.note : `rule ${outcome.rule}, ${outcome.mode} mode${outcome.note ? `; ${outcome.note}` : ''}`;
  return `${pad(outcome.updatedAt ?? '', 25)}${pad(outcome.severity.toFixed(1), 6)}${pad(outcome.findingType, 56)}${pad(where, 32)}→ ${action} (${rule})`;
}

function explainText(outcome: PolicyOutcome, origin: string, deploymentMode: Mode): string {
  const lines = [
    `Finding ${outcome.findingId}: ${outcome.findingType}, severity ${outcome.severity}, cluster ${outcome.cluster ?? '(none)'}, namespace ${outcome.namespace ?? '(unknown)'}`,
    `Policy  ${origin}`,
  ];
  for (const entry of outcome.explanation?.trace ?? []) lines.push(`  ${pad(entry.rule, 32)}${pad(entry.outcome, 14)}${entry.why}`);
  const decision = outcome.decision === 'ignore' ? 'ignore' : `${outcome.decision} with playbook ${outcome.playbook}`;
  const capped = outcome.mode === deploymentMode ? '' : ` (the rule caps ${deploymentMode})`;
  lines.push(`Result  ${decision}, ${outcome.mode} mode${capped}, by ${outcome.rule === '-' ? 'no rule' : `rule ${outcome.rule}`}${outcome.note ? `; ${outcome.note}` : ''}`);
  return lines.join('\n');
}

const modeOption = () => new Option('--mode <mode>', "the deployment's mode, which a rule may lower").choices(MODES).default('enforce');

export function registerPolicyCommands(cli: Command, context: PolicyCommandContext): void {
  const { io, setExit } = context;
  const policy = cli.command('policy').description('Check, explain and simulate the response policy');

  policy
    .command('check')
    .description('Validate a policy file; errors name the line and the key')
    .argument('<file>', 'policy YAML')
    .action((file: string) => {
      const checked = loadPolicyFile(file);
      const rules = checked.rules.map((rule) => `${rule.name} → ${rule.decision}`).join(', ') || 'none';
      io.stdout(`${file}: valid. Rules: ${rules}; default → ${checked.default.decision}. Protected namespaces: ${checked.protected.namespaces.join(', ') || 'none'}.`);
      setExit(0);
    });

  policy
    .command('explain')
    .description('Show which rule a finding meets and why (offline: rules on cluster tags or workload labels are shown as undetermined)')
    .requiredOption('--event <file>', 'EventBridge event JSON (or get-findings output), or - for standard input')
    .option('--policy <file>', 'policy YAML (default: POLICY_SSM_PARAMETER, else the built-in policy)')
    .addOption(modeOption())
    .option('--json', 'print one JSON object per finding')
    .action(async (options: { event: string; policy?: string; mode: Mode; json?: boolean }) => {
      const { policy: chosen, origin } = await commandPolicy(options.policy, io.env);
      for (const finding of splitInput(context.readEventDocument(options.event)).flatMap(normalizeEvent)) {
        const outcome = policyOutcome(finding, chosen, options.mode);
        io.stdout(options.json ? JSON.stringify({ ...outcome, policy: origin }) : `${explainText(outcome, origin, options.mode)}\n`);
      }
      setExit(0);
    });

  policy
    .command('simulate')
    .description("Read the region's recent GuardDuty findings (all detectors) and print what the policy would do with each")
    .requiredOption('--since <duration>', 'how far back, e.g. 24h or 7d (by the finding\'s last update)')
    .option('--policy <file>', 'policy YAML (default: POLICY_SSM_PARAMETER, else the built-in policy)')
    .option('--region <region>', 'AWS region (default: AWS_REGION)')
    .addOption(modeOption())
    .option('--json', 'print one JSON object per finding')
    .action(async (options: { since: string; policy?: string; region?: string; mode: Mode; json?: boolean }) => {
      const since = new Date(Date.now() - parseDuration(options.since, '--since'));
      const region = options.region ?? loadConfig(io.env, 'cli').region;
      if (!region) throw new BadInputError('give --region or set AWS_REGION');
      const { policy: chosen, origin } = await commandPolicy(options.policy, io.env);
      const result = await simulatePolicy(io.deps?.guardDuty ?? new SdkGuardDuty(), region, since, chosen, options.mode);
      if (options.json) {
        for (const outcome of result.outcomes) io.stdout(JSON.stringify({ ...outcome, explanation: undefined }));
        for (const item of result.unreadable) io.stdout(JSON.stringify(item));
      } else {
        io.stdout(`${result.outcomes.length} GuardDuty findings in ${region} updated since ${since.toISOString()}, through ${origin} in ${options.mode} mode:`);
        for (const outcome of result.outcomes) io.stdout(outcomeLine(outcome));
        for (const item of result.unreadable) io.stdout(`unreadable finding ${item.findingId}: ${item.error}`);
        const counts = (['respond', 'notify', 'ignore'] as const).map((decision) => `${result.outcomes.filter((outcome) => outcome.decision === decision).length} ${decision}`);
        io.stdout(`Total: ${counts.join(', ')}${result.unreadable.length ? `, ${result.unreadable.length} unreadable` : ''}.`);
      }
      setExit(0);
    });
}
