// labelSelector and fieldSelector parsing and matching with kube-apiserver semantics.
import { badRequest } from './status';

/** One parsed label requirement; `!=` and `notin` also match objects without the label, as in Kubernetes. */
export interface LabelRequirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | 'doesnotexist' | 'gt' | 'lt';
  values: string[];
}

/** One parsed field requirement. */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

const KEY = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=|>|<)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const EXISTS = new RegExp(`^(${KEY})$`);
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const VALUE_ONLY = new RegExp(`^${VALUE}$`);

/** Splits on commas that are outside parentheses. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Parses a labelSelector query value; an empty selector matches everything. Throws a 400 ApiError when malformed. */
export function parseLabelSelector(selector: string | null | undefined): LabelRequirement[] {
  if (!selector || !selector.trim()) return [];
  return splitTopLevel(selector).map((raw) => {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = NOT_EXISTS.exec(part))) return { key: m[1], op: 'doesnotexist', values: [] };
    if ((m = SET.exec(part))) {
      const values = m[3].split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '') throw badRequest(`unable to parse requirement: values set can't be empty for '${part}'`);
      if (!values.every((v) => VALUE_ONLY.test(v))) throw badRequest(`unable to parse requirement: invalid label value in '${part}'`);
      return { key: m[1], op: m[2] as 'in' | 'notin', values };
    }
    if ((m = EQUALITY.exec(part))) {
      const op = m[2];
      if ((op === '>' || op === '<') && !/^\d+$/.test(m[3])) throw badRequest(`unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer in '${part}'`);
      const mapped = op === '!=' ? 'notin' : op === '>' ? 'gt' : op === '<' ? 'lt' : 'in';
      return { key: m[1], op: mapped, values: [m[3]] };
    }
    if ((m = EXISTS.exec(part))) return { key: m[1], op: 'exists', values: [] };
    throw badRequest(`unable to parse requirement: found '${part}', expected a label selector requirement`);
  });
}

/** True when the labels satisfy every requirement. */
export function matchesLabels(requirements: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every(({ key, op, values }) => {
    const has = Object.prototype.hasOwnProperty.call(l, key);
    switch (op) {
      case 'in':
        return has && values.includes(l[key]);
      case 'notin':
        return !has || !values.includes(l[key]);
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(l[key])) return false;
        const n = Number(l[key]);
        return op === 'gt' ? n > Number(values[0]) : n < Number(values[0]);
      }
    }
  });
}

/** Parses a fieldSelector query value (`a=b`, `a==b`, `a!=b`, comma-joined). Throws a 400 ApiError when malformed. */
export function parseFieldSelector(selector: string | null | undefined): FieldRequirement[] {
  if (!selector || !selector.trim()) return [];
  return selector.split(',').map((raw) => {
    const m = /^\s*([^=!\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${raw}'`);
    return { field: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] };
  });
}

/** Field selectors kube-apiserver accepts per resource, beyond metadata.name and metadata.namespace; values are defaults when absent. */
const SELECTABLE_FIELDS: Record<string, Record<string, string>> = {
  '/pods': {
    'spec.nodeName': '',
    'spec.restartPolicy': '',
    'spec.schedulerName': '',
    'spec.serviceAccountName': '',
    'spec.hostNetwork': 'false',
    'status.phase': '',
    'status.podIP': '',
    'status.nominatedNodeName': '',
  },
  '/nodes': { 'spec.unschedulable': 'false' },
  '/namespaces': { 'status.phase': '' },
  '/events': {
    'involvedObject.kind': '',
    'involvedObject.namespace': '',
    'involvedObject.name': '',
    'involvedObject.uid': '',
    'involvedObject.apiVersion': '',
    'involvedObject.resourceVersion': '',
    'involvedObject.fieldPath': '',
    reason: '',
    reportingComponent: '',
    source: '',
    type: '',
  },
  'apps/replicasets': { 'status.replicas': '0' },
  'batch/jobs': { 'status.successful': '0' },
};

function lookup(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const segment of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[segment];
  }
  return cur;
}

/** The string a field selector compares for `field`, or undefined when kube-apiserver would reject the field for this resource. */
export function fieldValue(group: string, resource: string, obj: Record<string, any>, field: string): string | undefined {
  if (field === 'metadata.name') return String(obj.metadata?.name ?? '');
  if (field === 'metadata.namespace') return String(obj.metadata?.namespace ?? '');
  const table = SELECTABLE_FIELDS[`${group}/${resource}`];
  if (!table || !Object.prototype.hasOwnProperty.call(table, field)) return undefined;
  const path = field === 'source' ? 'source.component' : field;
  const value = lookup(obj, path);
  return value === undefined || value === null ? table[field] : String(value);
}

/** Throws a 400 ApiError for a field the resource does not support, as kube-apiserver does. */
export function checkFieldsSupported(group: string, resource: string, requirements: FieldRequirement[]): void {
  for (const { field } of requirements) {
    if (fieldValue(group, resource, { metadata: {} }, field) === undefined) throw badRequest(`field label not supported: ${field}`);
  }
}

/** True when the object satisfies every field requirement. */
export function matchesFields(group: string, resource: string, requirements: FieldRequirement[], obj: Record<string, any>): boolean {
  return requirements.every(({ field, op, value }) => {
    const actual = fieldValue(group, resource, obj, field);
    return op === '=' ? actual === value : actual !== value;
  });
}
