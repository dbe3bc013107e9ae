import type { Command } from 'commander';
import type { Adapters, IncidentLogPort } from '../adapters/ports';
import { loadConfig } from '../config';
import { createAdapters } from '../dependencies';
import { BadInputError } from '../errors';
import { renderIncident, renderIncidentList } from '../report/render-incident';
import { parseDuration } from './duration';

export interface IncidentCommandContext {
  io: { stdout: (text: string) => void; env: NodeJS.ProcessEnv; deps?: { adapters?: Partial<Adapters> } };
  setExit: (code: number) => void;
}

/** The incident log named by --table or INCIDENT_TABLE; the commands need AWS credentials that may read it. */
function incidentLog(context: IncidentCommandContext, table: string | undefined): IncidentLogPort {
  if (context.io.deps?.adapters?.incidentLog) return context.io.deps.adapters.incidentLog;
  const config = loadConfig({ ...context.io.env, ...(table ? { INCIDENT_TABLE: table } : {}) }, 'cli');
  const log = config.incidentTable ? createAdapters(config).incidentLog : undefined;
  if (!log) throw new BadInputError('the incident commands read the incident table: pass --table or set INCIDENT_TABLE');
  return log;
}

export function registerIncidentCommands(cli: Command, context: IncidentCommandContext): void {
  const { io, setExit } = context;
  const incident = cli.command('incident').description('Read the audit trail: incidents, their deliveries and every action with its before-state');

  incident
    .command('show')
    .description('One incident and its timeline')
    .argument('<id>', 'incident id (inc-…)')
    .option('--table <name>', 'incident table (default: INCIDENT_TABLE)')
    .option('--json', 'print the incident as JSON')
    .action(async (id: string, options: { table?: string; json?: boolean }) => {
      const record = await incidentLog(context, options.table).get(id);
      if (!record) throw new BadInputError(`incident ${id} not found`);
      io.stdout(options.json ? JSON.stringify(record) : `${renderIncident(record)}\n`);
      setExit(0);
    });

  incident
    .command('list')
    .description('Incidents, most recently seen first')
    .option('--cluster <name>', 'only this cluster')
    .option('--since <duration>', 'seen within, e.g. 24h or 7d')
    .option('--table <name>', 'incident table (default: INCIDENT_TABLE)')
    .option('--json', 'print one JSON object per incident')
    .action(async (options: { cluster?: string; since?: string; table?: string; json?: boolean }) => {
      const since = options.since ? new Date(Date.now() - parseDuration(options.since, '--since')) : undefined;
      const incidents = await incidentLog(context, options.table).list({ cluster: options.cluster, since });
      if (options.json) for (const item of incidents) io.stdout(JSON.stringify(item));
      else io.stdout(renderIncidentList(incidents));
      setExit(0);
    });
}
