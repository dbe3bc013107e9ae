import { readFileSync } from 'node:fs';
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, describeError } from '../errors';
import { AUTOMATIC_PLAYBOOK_NAMES, containmentActionsOf } from '../playbooks/registry';
import { policySchema, type ResponsePolicy } from './schema';

/**
 * Reads a response policy (YAML) and validates it before anything runs. Every error is one line
 * naming the file, the line, the key and what was expected:
 *   `policy.yaml:14: rules[1].match.severity.min: expected number, received string`
 */

type PathSegment = string | number;

function dotted(path: readonly PathSegment[]): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment), '');
}

/** The offset of the YAML node (or map key) a path points at; the nearest existing parent when it is missing. */
function offsetOf(document: Document, path: readonly PathSegment[], key?: string): { offset: number; found: boolean } {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
    if (!isNode(node)) continue;
    if (key !== undefined && length === path.length && isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (pair && isNode(pair.key) && pair.key.range) return { offset: pair.key.range[0], found: true };
    }
    // A value's own range, except for a missing member, where the key of the parent reads better.
    if (length === path.length) return { offset: node.range?.[0] ?? 0, found: true };
    const parentKey = offsetOfKey(document, path.slice(0, length + 1));
    return { offset: parentKey ?? node.range?.[0] ?? 0, found: false };
  }
  return { offset: 0, found: false };
}

/** Where the key of the last path segment is written, when its parent is a map that has it. */
function offsetOfKey(document: Document, path: readonly PathSegment[]): number | undefined {
  const parent = path.length > 1 ? document.getIn(path.slice(0, -1), true) : document.contents;
  const last = path[path.length - 1];
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === last);
  return pair && isNode(pair.key) ? pair.key.range?.[0] : undefined;
}

function describeIssue(issue: z.core.$ZodIssue, found: boolean): string {
  if (issue.code === 'unrecognized_keys') return `unknown key (expected one of the documented keys; see shared/policy/default-policy.yaml)`;
  const expected = issue.message.replace(/^Invalid (input|option): /, '').replace(/, received undefined$/, '');
  return found ? expected : `missing (${expected})`;
}

/** `x` or `[x, …]`: report what a single value should have been, which is what people write. */
function unwrapUnion(issue: z.core.$ZodIssue): { issue: z.core.$ZodIssue; suffix: string } {
  if (issue.code !== 'invalid_union' || !issue.errors[0]?.[0]) return { issue, suffix: '' };
  const inner = issue.errors[0][0];
  return { issue: { ...inner, path: [...issue.path, ...inner.path] }, suffix: ' (or a list of them)' };
}

function issueError(document: Document, lines: LineCounter, origin: string, reported: z.core.$ZodIssue): ConfigError {
  const { issue, suffix } = unwrapUnion(reported);
  const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
  const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const { offset, found } = offsetOf(document, path, key);
  const where = dotted(key ? [...path, key] : path) || '(top level)';
  return new ConfigError(`${origin}:${lines.linePos(offset).line}: ${where}: ${describeIssue(issue, found)}${suffix}`);
}

/** Names the registry must know: playbooks rules may choose, and the actions they may opt out of. */
function checkNames(policy: ResponsePolicy, document: Document, lines: LineCounter, origin: string): void {
  const containment = new Set(AUTOMATIC_PLAYBOOK_NAMES.flatMap((name) => containmentActionsOf(name).map((action) => action.name)));
  const outcomes = [...policy.rules.map((rule, index) => ({ rule, path: ['rules', index] as PathSegment[] })), { rule: policy.default, path: ['default'] as PathSegment[] }];
  for (const { rule, path } of outcomes) {
    const fail = (at: PathSegment[], message: string) => {
      throw new ConfigError(`${origin}:${lines.linePos(offsetOf(document, at).offset).line}: ${dotted(at)}: ${message}`);
    };
    if (!AUTOMATIC_PLAYBOOK_NAMES.includes(rule.playbook as never)) {
      fail([...path, 'playbook'], `unknown playbook "${rule.playbook}" (expected one of ${AUTOMATIC_PLAYBOOK_NAMES.join(', ')})`);
    }
    rule.skipActions.forEach((name, index) => {
      if (!containment.has(name)) fail([...path, 'skipActions', index], `unknown action "${name}" (expected one of ${[...containment].join(', ')})`);
    });
  }
}

/** Parses and validates policy text; `origin` names it in errors (a file path, `ssm:NAME`, `built-in`). */
export function parsePolicy(text: string, origin: string): ResponsePolicy {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const [syntax] = document.errors;
  if (syntax) {
    const line = lines.linePos(syntax.pos[0]).line;
    const message = syntax.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    // yaml does not name the repeated key; it starts where the error points.
    const key = syntax.code === 'DUPLICATE_KEY' ? `${text.slice(syntax.pos[0]).split(/:\s/)[0].trim()}: ` : '';
    throw new ConfigError(`${origin}:${line}: ${key}${message}`, { cause: syntax });
  }
  if (document.contents === null) throw new ConfigError(`${origin}: the policy is empty`);
  const parsed = policySchema.safeParse(document.toJS({ maxAliasCount: 100 }));
  if (!parsed.success) throw issueError(document, lines, origin, parsed.error.issues[0]);
  checkNames(parsed.data, document, lines, origin);
  return parsed.data;
}

export function loadPolicyFile(path: string): ResponsePolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read policy ${path}: ${(error as NodeJS.ErrnoException).code ?? describeError(error)}`);
  }
  return parsePolicy(text, path);
}
