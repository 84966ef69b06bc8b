/**
 * Bifrost's model lists: `"*"` allows all, `"regex:<pattern>"` is a regular expression
 * (unanchored, as Go's MatchString; write ^...$ to anchor), anything else is an exact name.
 */

const compiled = new Map<string, RegExp>();

/** Whether `model` is named by `list` (an entry matching either the bare model or "provider/model"). */
export function listMatchesModel(list: readonly string[], provider: string, model: string): boolean {
  const qualified = `${provider}/${model}`;
  for (const entry of list) {
    if (entry === '*' || entry === model || entry === qualified) return true;
    if (entry.startsWith('regex:')) {
      const pattern = regexOf(entry);
      if (pattern.test(model) || pattern.test(qualified)) return true;
    }
  }
  return false;
}

function regexOf(entry: string): RegExp {
  let pattern = compiled.get(entry);
  if (!pattern) {
    // Config validation compiled every pattern already; this cannot throw for a loaded config.
    pattern = new RegExp(entry.slice('regex:'.length));
    compiled.set(entry, pattern);
  }
  return pattern;
}
