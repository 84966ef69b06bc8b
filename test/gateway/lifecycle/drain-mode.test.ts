import assert from 'node:assert/strict';
import { readNodeEnv } from '../../../gateway/node-env.js';
import { MockUpstream } from '../../support/mock-upstream.js';
import { providerConfig, startGateway, type RunningGateway } from '../../support/start-gateway.js';

describe('DRAIN_MODE', () => {
  let upstream: MockUpstream;
  let gateway: RunningGateway | undefined;

  beforeEach(async () => {
    upstream = await MockUpstream.start();
  });

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    await upstream.close();
  });

  const post = (url: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/m', messages: [{ role: 'user', content: 'x' }] }),
    });

  it('serve: a request arriving after SIGTERM is served, and its connection closed', async () => {
    gateway = await startGateway(providerConfig(upstream.url), { drainMode: 'serve' });
    gateway.deps.lifecycle.beginDrain();
    const response = await post(gateway.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('connection'), 'close');
    await response.json();
    assert.equal(upstream.requests.length, 1);
  });

  it('refuse (the default): the same request is answered 503 draining without reaching the upstream', async () => {
    gateway = await startGateway(providerConfig(upstream.url));
    gateway.deps.lifecycle.beginDrain();
    const response = await post(gateway.url);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('connection'), 'close');
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'draining');
    assert.equal(upstream.requests.length, 0);
  });

  it('is read from the environment: refuse by default, serve on request, anything else rejected', () => {
    assert.equal(readNodeEnv({}).drainMode, 'refuse');
    assert.equal(readNodeEnv({ DRAIN_MODE: 'serve' }).drainMode, 'serve');
    assert.throws(() => readNodeEnv({ DRAIN_MODE: 'drop' }), /DRAIN_MODE must be refuse or serve/);
  });
});
