// JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902) over plain JSON values.

/** A patch that cannot be applied; the server answers 422 Invalid with this message. */
export class PatchError extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of two JSON values (object key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

/** RFC 7386: objects merge recursively, `null` deletes a key, anything else (arrays included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Decodes a JSON Pointer (RFC 6901) into its unescaped reference tokens. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}: must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(token: string, length: number, forInsert: boolean, pointer: string): number {
  if (forInsert && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`invalid array index ${JSON.stringify(token)} in ${pointer}`);
  const index = Number(token);
  if (index > length || (!forInsert && index === length)) throw new PatchError(`array index ${index} out of bounds in ${pointer}`);
  return index;
}

/** Resolves the container that holds the pointer's last token. */
function parentOf(doc: Json, tokens: string[], pointer: string): Json {
  let cur: Json = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(token, cur.length, false, pointer)];
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, token)) cur = cur[token];
    else throw new PatchError(`path ${pointer} does not exist`);
  }
  return cur;
}

function getAt(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false, pointer)];
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) return parent[last];
  throw new PatchError(`path ${pointer} does not exist`);
}

function addAt(doc: Json, pointer: string, value: Json): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, pointer), 0, value);
  else if (isObject(parent)) parent[last] = value;
  else throw new PatchError(`path ${pointer} does not exist`);
  return doc;
}

function removeAt(doc: Json, pointer: string): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false, pointer), 1);
  else if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) delete parent[last];
  else throw new PatchError(`unable to remove nonexistent key: ${last}: missing value`);
  return doc;
}

/** RFC 6902 over a copy of `doc`: add, remove, replace, move, copy, test. Throws PatchError on a failed operation. */
export function applyJsonPatch(doc: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations');
  let result = structuredClone(doc) as Json;
  for (const op of operations as unknown[]) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw new PatchError(`invalid JSON patch operation ${JSON.stringify(op)}`);
    }
    const path = op.path;
    const needsValue = op.op === 'add' || op.op === 'replace' || op.op === 'test';
    if (needsValue && !Object.prototype.hasOwnProperty.call(op, 'value')) throw new PatchError(`operation ${op.op} on ${path} has no value`);
    const from = typeof op.from === 'string' ? op.from : undefined;
    switch (op.op) {
      case 'add':
        result = addAt(result, path, structuredClone(op.value));
        break;
      case 'remove':
        result = removeAt(result, path);
        break;
      case 'replace':
        getAt(result, path);
        result = parsePointer(path).length === 0 ? structuredClone(op.value) : addAt(removeAt(result, path), path, structuredClone(op.value));
        break;
      case 'move': {
        if (from === undefined) throw new PatchError(`move to ${path} has no from`);
        if (path.startsWith(`${from}/`)) throw new PatchError(`cannot move ${from} into its own child ${path}`);
        const value = getAt(result, from);
        result = addAt(removeAt(result, from), path, value);
        break;
      }
      case 'copy': {
        if (from === undefined) throw new PatchError(`copy to ${path} has no from`);
        result = addAt(result, path, structuredClone(getAt(result, from)));
        break;
      }
      case 'test':
        if (!deepEqual(getAt(result, path), op.value)) {
          throw new PatchError(`testing value ${path} failed: expected ${JSON.stringify(op.value)}`);
        }
        break;
      default:
        throw new PatchError(`unsupported JSON patch operation ${JSON.stringify(op.op)}`);
    }
  }
  return result;
}
