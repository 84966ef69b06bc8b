/**
 * Random changes to JSON request bodies for the request-parser fuzz test: each mutation
 * picks one spot of the tree (any object member or array element) and replaces it with a
 * value of another type, deletes it, or adds a stray sibling. Driven by a seeded random
 * source, so a failure is reproduced by its seed.
 */

type Random = () => number;
type Container = Record<string, unknown> | unknown[];

/** Values of every JSON type, and shapes translators stumble on. */
const ODD_VALUES: unknown[] = [
  null,
  0,
  5,
  -1,
  1.5,
  1e308,
  '',
  'x',
  'yes',
  true,
  false,
  [],
  {},
  [null],
  [5],
  ['x'],
  [{}],
  { type: 5 },
  { type: 'text', text: 5 },
  { type: 'unknown_block' },
  { name: 5 },
  { parts: null },
  { role: 'user', content: 5 },
];

/** A random element of `items`. */
export function pick<T>(items: readonly T[], random: Random): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** `levels` arrays nested in one another. */
export function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < levels; level++) value = [value];
  return value;
}

/** An odd value: one of ODD_VALUES, or now and then a nesting deeper than the node allows. */
function oddValue(random: Random): unknown {
  if (random() < 0.03) return nestedArrays(120);
  return structuredClone(pick(ODD_VALUES, random));
}

/** Every container in `root` with one of its keys, i.e. every spot a mutation can hit. */
function spotsOf(root: Container): { parent: Container; key: string | number }[] {
  const spots: { parent: Container; key: string | number }[] = [];
  const stack: Container[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, index) => index) : Object.keys(node);
    for (const key of keys) {
      spots.push({ parent: node, key });
      const child = (node as Record<string | number, unknown>)[key];
      if (typeof child === 'object' && child !== null) stack.push(child as Container);
    }
  }
  return spots;
}

/** Applies `count` random mutations to a copy of `body`. */
export function mutateBody(body: Record<string, unknown>, count: number, random: Random): Record<string, unknown> {
  const copy = structuredClone(body);
  for (let index = 0; index < count; index++) {
    const spots = spotsOf(copy);
    if (spots.length === 0) break;
    const { parent, key } = pick(spots, random);
    const operation = random();
    if (operation < 0.6) (parent as Record<string | number, unknown>)[key] = oddValue(random);
    else if (operation < 0.8) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
    } else if (Array.isArray(parent)) parent.push(oddValue(random));
    else parent[pick(['type', 'text', 'content', 'parts', 'role', 'stream', 'tools', 'name'], random)] = oddValue(random);
  }
  return copy;
}

/** A random JSON value of any type (what a confused client might send as a whole body). */
export function randomJson(random: Random, depth = 0): unknown {
  const roll = random();
  if (depth > 3 || roll < 0.3) return oddValue(random);
  if (roll < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(random, depth + 1));
  const out: Record<string, unknown> = {};
  for (let index = Math.floor(random() * 5); index > 0; index--) {
    out[pick(['model', 'messages', 'contents', 'content', 'parts', 'max_tokens', 'stream', 'tools', 'system'], random)] = randomJson(random, depth + 1);
  }
  return out;
}
