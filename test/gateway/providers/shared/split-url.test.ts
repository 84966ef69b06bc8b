import assert from 'node:assert/strict';
import { splitUrl } from '../../../../gateway/providers/shared/upstream-http.js';

describe('splitUrl (upstream origin and path for undici)', () => {
  it('splits a provider URL into its origin and path with the query', () => {
    assert.deepEqual(splitUrl('https://api.openai.com/v1/chat/completions'), { origin: 'https://api.openai.com', path: '/v1/chat/completions' });
    assert.deepEqual(splitUrl('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse'), {
      origin: 'https://generativelanguage.googleapis.com',
      path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
    });
  });

  it('keeps a base_url path prefix and the port, and normalises the origin', () => {
    assert.deepEqual(splitUrl('http://LOCALHOST:8080/proxy/openai/v1/embeddings'), { origin: 'http://localhost:8080', path: '/proxy/openai/v1/embeddings' });
    assert.deepEqual(splitUrl('https://example.com:443/v1/models'), { origin: 'https://example.com', path: '/v1/models' });
  });

  it('gives "/" for a URL without a path, and keeps a bare query', () => {
    assert.deepEqual(splitUrl('http://127.0.0.1:9000'), { origin: 'http://127.0.0.1:9000', path: '/' });
    assert.deepEqual(splitUrl('http://127.0.0.1:9000?x=1'), { origin: 'http://127.0.0.1:9000', path: '/?x=1' });
  });

  it('throws for a URL that is not absolute', () => {
    assert.throws(() => splitUrl('not a url/v1/chat'));
  });
});
