import assert from 'node:assert/strict';
import { GatewayError } from '../../../gateway/core/errors.js';
import { bedrockAdapter } from '../../../gateway/providers/bedrock/index.js';
import { hasMediaType } from '../../../gateway/providers/shared/upstream-http.js';
import { startBedrockUpstream, type BedrockUpstream } from '../../support/bedrock-upstream.js';
import { TEST_CREDS, bedrockProvider, targetFor } from './bedrock/fixtures.js';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

describe('the media type a streaming call asks for', () => {
  it('matches a Content-Type with or without parameters, in any letter case', () => {
    for (const contentType of ['text/event-stream', 'text/event-stream; charset=utf-8', 'Text/Event-Stream ; charset=UTF-8', ' text/event-stream']) {
      assert.equal(hasMediaType(contentType, 'text/event-stream'), true, contentType);
    }
    for (const contentType of ['application/json', 'text/event-streams', 'text/event-stream-x; charset=utf-8', 'text/html']) {
      assert.equal(hasMediaType(contentType, 'text/event-stream'), false, contentType);
    }
  });

  describe('Bedrock ConverseStream (application/vnd.amazon.eventstream)', () => {
    let upstream: BedrockUpstream;
    beforeEach(async () => {
      upstream = await startBedrockUpstream(TEST_CREDS);
    });
    afterEach(() => upstream.close());

    it('still reads its binary event stream', async () => {
      const chunks = await bedrockAdapter.chatStream(
        { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] },
        targetFor(bedrockProvider(upstream.url), MODEL),
      );
      let text = '';
      for await (const chunk of chunks) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, 'Hello from Bedrock');
    });

    it('refuses a 200 JSON answer to a stream request as a retryable 502 with its message', async () => {
      upstream.setHandler(() => ({ kind: 'json', body: { message: 'Too many input tokens' } }));
      const error = await bedrockAdapter
        .chatStream({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }, targetFor(bedrockProvider(upstream.url), MODEL))
        .then(
          () => assert.fail('expected the stream to be refused'),
          (e: unknown) => e,
        );
      assert.ok(error instanceof GatewayError, String(error));
      assert.equal(error.code, 'upstream_bad_response');
      assert.equal(error.status, 502);
      assert.equal(error.retryable, true);
      assert.match(error.message, /bedrock answered a stream request with application\/json, not application\/vnd\.amazon\.eventstream: Too many input tokens/);
    });
  });
});
