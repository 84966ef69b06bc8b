import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import * as undici from 'undici';
import { Agent, undiciErrors } from '../../../../gateway/providers/shared/undici-modules.js';
import { listenOnLoopback } from '../../../support/loopback-server.js';

const run = promisify(execFile);

describe('undici modules loaded without the package index', () => {
  it('are the very Agent and error classes undici exports, so instanceof checks hold', () => {
    assert.equal(Agent, undici.Agent);
    assert.equal(undiciErrors.HeadersTimeoutError, undici.errors.HeadersTimeoutError);
    assert.equal(undiciErrors.BodyTimeoutError, undici.errors.BodyTimeoutError);
    assert.equal(undiciErrors.RequestAbortedError, undici.errors.RequestAbortedError);
  });

  it('send a request in a process that never loads the undici index', async function () {
    this.timeout(20_000);
    // This test process has loaded the index (which patches request() onto every dispatcher),
    // so the check runs in a fresh node that imports only the gateway's module.
    const upstream = await listenOnLoopback(createServer((_req, res) => res.end('{"ok":true}')));
    try {
      const script = `
        const { Agent } = await import(${JSON.stringify(new URL('../../../../gateway/providers/shared/undici-modules.ts', import.meta.url).href)});
        const { requestStreamed } = await import(${JSON.stringify(new URL('../../../../gateway/providers/shared/streamed-response.ts', import.meta.url).href)});
        const { Cancellation } = await import(${JSON.stringify(new URL('../../../../gateway/core/cancellation.ts', import.meta.url).href)});
        const { createRequire } = await import('node:module');
        const response = await requestStreamed(new Agent(), { origin: ${JSON.stringify(upstream.origin)}, path: '/v1/models', method: 'GET', signal: new Cancellation() });
        let body = '';
        for await (const chunk of response.body) body += chunk.toString('utf8');
        const index = createRequire(import.meta.url).resolve('undici');
        const loaded = Object.keys(createRequire(import.meta.url).cache).includes(index);
        console.log(JSON.stringify({ status: response.statusCode, body, indexLoaded: loaded }));
        process.exit(0);`;
      const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
      assert.deepEqual(JSON.parse(stdout.trim()), { status: 200, body: '{"ok":true}', indexLoaded: false });
    } finally {
      await upstream.close();
    }
  });
});
