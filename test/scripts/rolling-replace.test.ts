import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, '..', '..', 'scripts', 'rolling-replace.sh');

/**
 * Stand-ins for compose, docker and curl that keep the "cluster" in files: `ids` (the gateway
 * containers), `calls` (what was done, in order). compose's scale up adds one container;
 * docker rm removes one; the reloader's /status lists every container in rotation.
 */
function writeStubs(dir: string): void {
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\nD=${dir}\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  stub(
    'compose',
    `case "$*" in
  *"ps -q gateway") cat $D/ids ;;
  *"up -d --no-deps --no-recreate --scale gateway="*" gateway")
    n=$(( $(cat $D/seq) + 1 )); echo $n > $D/seq; echo "new$n" >> $D/ids
    echo "up $(echo "$*" | sed 's/.*--scale //')" >> $D/calls ;;
  *) echo "unexpected compose $*" >&2; exit 2 ;;
esac`,
  );
  stub(
    'docker',
    `case "$1" in
  inspect) id=$(eval echo \\$$#); case "$3" in *Name*) echo "/proj-$id" ;; *) echo healthy ;; esac ;;
  stop) echo "stop $2" >> $D/calls ;;
  rm) if [ -e $D/running-again-$2 ]; then rm $D/running-again-$2; echo "rm $2 refused: running" >> $D/calls; exit 1; fi
    echo "rm $2" >> $D/calls; grep -v -x "$2" $D/ids > $D/ids.new; mv $D/ids.new $D/ids ;;
  *) echo "unexpected docker $*" >&2; exit 2 ;;
esac`,
  );
  stub(
    'curl',
    `printf '{"rollouts":{"current":null},"rotation":{"servers":['
sep=''; for id in $(cat $D/ids); do printf '%s{"name":"proj-%s","ip":"10.0.0.1"}' "$sep" "$id"; sep=','; done
printf ']}}'`,
  );
}

describe('scripts/rolling-replace.sh', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rolling-replace-'));
    writeStubs(dir);
    writeFileSync(join(dir, 'ids'), 'old1\nold2\nold3\n');
    writeFileSync(join(dir, 'seq'), '0\n');
    writeFileSync(join(dir, 'calls'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds one new node, then retires one old node, until every node is new; never more than one extra', () => {
    execFileSync('sh', [SCRIPT, '-p', 'proj'], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, COMPOSE: `${dir}/compose`, RELOADER_URL: 'http://reloader', WAIT_S: '5' },
      stdio: 'pipe',
    });
    assert.deepEqual(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n'), [
      'up gateway=4 gateway',
      'stop old1',
      'rm old1',
      'up gateway=4 gateway',
      'stop old2',
      'rm old2',
      'up gateway=4 gateway',
      'stop old3',
      'rm old3',
    ]);
    assert.deepEqual(readFileSync(join(dir, 'ids'), 'utf8').trim().split('\n'), ['new1', 'new2', 'new3']);
  });

  it('stops without retiring anything when the new node never shows in rotation', () => {
    writeFileSync(join(dir, 'curl'), '#!/bin/sh\nprintf \'{"rollouts":{"current":null},"rotation":{"servers":[]}}\'\n');
    assert.throws(() =>
      execFileSync('sh', [SCRIPT], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, COMPOSE: `${dir}/compose`, RELOADER_URL: 'http://reloader', WAIT_S: '2' },
        stdio: 'pipe',
      }),
    );
    assert.deepEqual(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n'), ['up gateway=4 gateway'], 'no old node was stopped');
  });

  it('stops a node again when it was started between its stop and its removal, instead of failing half-way', () => {
    writeFileSync(join(dir, 'running-again-old2'), '');
    execFileSync('sh', [SCRIPT], {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, COMPOSE: `${dir}/compose`, RELOADER_URL: 'http://reloader', WAIT_S: '5' },
      stdio: 'pipe',
    });
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    assert.deepEqual(calls.slice(4, 8), ['stop old2', 'rm old2 refused: running', 'stop old2', 'rm old2']);
    assert.deepEqual(readFileSync(join(dir, 'ids'), 'utf8').trim().split('\n'), ['new1', 'new2', 'new3']);
  });
});
