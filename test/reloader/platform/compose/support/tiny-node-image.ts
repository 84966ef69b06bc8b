import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in gateway node for the real-Docker test: it fingerprints /config/config.json at
 * start as a gateway does, serves /health, exits on SIGTERM, and never starts listening when
 * the file holds the marker "fail-health-for-test" (a node that does not come back).
 */
const SERVER = `
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
const bytes = readFileSync('/config/config.json');
const fingerprint = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
const started = Date.now();
process.on('SIGTERM', () => { console.log('SIGTERM: exiting'); process.exit(0); });
if (bytes.includes('fail-health-for-test')) {
  console.log('injected failure: refusing to serve ' + fingerprint);
  setInterval(() => {}, 60_000);
} else {
  createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok', config_fingerprint: fingerprint, in_flight: 0, node: hostname(), uptime_s: (Date.now() - started) / 1000 }));
  }).listen(8080, () => console.log('serving ' + fingerprint));
}
`;

// 5 s, not 1.5 s: on a saturated host (load average 15 on 2 cores) restarted test nodes stayed
// `unhealthy` for the whole 25 s health timeout while they served; a slow check is the suspect.
const CHECK = `
fetch('http://127.0.0.1:8080/health', { signal: AbortSignal.timeout(5000) })
  .then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));
`;

/**
 * Builds a tiny image from this machine's own node binary and the libraries it links
 * (no registry needed) with `docker import`, and returns its name. The caller removes it.
 */
export async function buildTinyNodeImage(name: string): Promise<string> {
  const node = realpathSync(process.execPath);
  const libs = execFileSync('ldd', [node], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((p): p is string => p !== undefined);
  const root = mkdtempSync(join(tmpdir(), 'reloader-image-'));
  try {
    mkdirSync(join(root, 'app'));
    writeFileSync(join(root, 'app', 'server.mjs'), SERVER);
    writeFileSync(join(root, 'app', 'check.mjs'), CHECK);
    const tarball = join(root, 'image.tar');
    // -h: the libraries are symlinks; the image needs the files they point at.
    execFileSync('tar', ['-chf', tarball, '-C', '/', ...[node, ...libs].map((p) => p.slice(1))]);
    execFileSync('tar', ['-rf', tarball, '-C', root, 'app']);
    execFileSync('docker', ['import', '--change', `CMD ["${node}", "/app/server.mjs"]`, tarball, name], { stdio: 'pipe' });
    return node;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
