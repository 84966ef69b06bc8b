// A line diff for the "review before apply" view: common prefix and suffix trimmed, then a
// longest-common-subsequence table over what is left (config files are small).
window.lineDiff = function lineDiff(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const out = [];
  for (let i = Math.max(0, start - 3); i < start; i++) out.push({ kind: ' ', line: a[i], n: i + 1 });
  if (midA.length * midB.length > 4000000) {
    // Too big to align: show it as a replacement.
    for (const line of midA) out.push({ kind: '-', line });
    for (const line of midB) out.push({ kind: '+', line });
  } else {
    const n = midA.length,
      m = midB.length;
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = midA[i] === midB[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    let i = 0,
      j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        out.push({ kind: ' ', line: midA[i] });
        i++;
        j++;
      }
      // Removed lines before added ones, as diff tools show them.
      else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        out.push({ kind: '-', line: midA[i] });
        i++;
      } else {
        out.push({ kind: '+', line: midB[j] });
        j++;
      }
    }
  }
  for (let i = endA; i < Math.min(a.length, endA + 3); i++) out.push({ kind: ' ', line: a[i] });
  return out;
};
