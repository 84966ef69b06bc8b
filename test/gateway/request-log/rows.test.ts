import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { captureAnswer, captureChunk, captureRequest, contentForRow, type CapturedContent } from '../../../gateway/request-log/capture-content.js';
import { BatchEncoder } from '../../../gateway/request-log/batch-encoder.js';
import { RequestLogMetrics } from '../../../gateway/request-log/log-metrics.js';
import { MAX_CONTENT_CHARS, toRow, type RequestLogRow } from '../../../gateway/request-log/log-row.js';
import { RequestLogWriter } from '../../../gateway/request-log/log-writer.js';
import { createRedactor } from '../../../gateway/request-log/redact.js';
import { RowQueue } from '../../../gateway/request-log/row-queue.js';
import { createSilentLogger } from '../../../shared/logger.js';
import { loggable } from './support.js';
import { collectGarbage } from '../../support/collect-garbage.js';

const plain = { node: 'n1', contentLogging: true, redact: (text: string) => text };
const rowNamed = (requestId: string): RequestLogRow => toRow(loggable({ requestId }), plain);

describe('request log: rows, queue and writer', () => {
  it('builds a success row with tokens, retries and the key name', () => {
    const row = toRow(loggable({ attempts: 3, fallbackIndex: 1, keyName: 'primary' }), plain);
    assert.equal(row.status, 'success');
    assert.equal(row.number_of_retries, 2);
    assert.equal(row.fallback_index, 1);
    assert.equal(row.selected_key_name, 'primary');
    assert.equal(row.total_tokens, 12);
    assert.equal(row.input_history, '[{"role":"user","content":"hi"}]');
  });

  it('keeps content out when content logging is off', () => {
    const row = toRow(loggable({ content: { input: ['secret prompt'], output: 'secret answer', params: { temperature: 1 } } }), {
      ...plain,
      contentLogging: false,
    });
    assert.deepEqual([row.input_history, row.output_message, row.params, row.tools, row.tool_calls], [null, null, null, null, null]);
    assert.equal(row.prompt_tokens, 5, 'metadata stays');
  });

  it('marks failed and cancelled requests as errors', () => {
    assert.equal(toRow(loggable({ httpStatus: 502, errorCode: 'upstream_error', errorMessage: 'bad gateway' }), plain).status, 'error');
    const cancelled = toRow(loggable({ cancelled: true }), plain);
    assert.equal(cancelled.status, 'error');
    assert.equal(cancelled.error_type, 'client_closed');
  });

  it('replaces oversized content with a marker', () => {
    const row = toRow(loggable({ content: { input: 'x'.repeat(MAX_CONTENT_CHARS + 1) } }), plain);
    assert.deepEqual(JSON.parse(row.input_history ?? ''), { truncated: true, chars: MAX_CONTENT_CHARS + 3 });
  });

  it('redacts configured secrets and key-shaped tokens from error messages and content', () => {
    const redact = createRedactor(['sk-test-0123456789abcdef', 'short']);
    const row = toRow(
      loggable({
        errorCode: 'auth',
        errorMessage: 'Incorrect API key provided: sk-test-0123456789abcdef; also sk-proj-ABCDEFGH12345',
        content: { input: 'my key is sk-test-0123456789abcdef' },
      }),
      { ...plain, redact },
    );
    assert.equal(row.error_message, 'Incorrect API key provided: [redacted]; also [redacted]');
    assert.equal(row.input_history, '"my key is [redacted]"');
  });

  it('queue: drops the oldest rows beyond its bound and counts them', () => {
    const queue = new RowQueue({ maxRows: 3, maxBytes: Infinity });
    for (const id of ['a', 'b', 'c', 'd', 'e']) queue.push(rowNamed(id));
    assert.equal(queue.dropped, 2);
    assert.deepEqual(
      queue.take(10).map((row) => row.request_id),
      ['c', 'd', 'e'],
    );
  });

  it('queue: rows put back after a failed write go first, and are the first dropped', () => {
    const queue = new RowQueue({ maxRows: 4, maxBytes: Infinity });
    for (const id of ['a', 'b', 'c']) queue.push(rowNamed(id));
    const batch = queue.take(2);
    queue.push(rowNamed('d'));
    queue.push(rowNamed('e'));
    assert.equal(queue.putBack(batch), 1);
    assert.deepEqual(
      queue.take(10).map((row) => row.request_id),
      ['b', 'c', 'd', 'e'],
    );
  });

  it('queue: keeps no hold on rows it has handed out or dropped', async () => {
    const queue = new RowQueue({ maxRows: 3, maxBytes: Infinity });
    // Made in a function of their own: the test's frame must not hold the rows either.
    const handedOut = (): WeakRef<RequestLogRow>[] => {
      const refs: WeakRef<RequestLogRow>[] = [];
      for (const id of ['a', 'b', 'c', 'd', 'e']) {
        const row = rowNamed(id);
        refs.push(new WeakRef(row));
        queue.push(row);
      }
      queue.take(2);
      return refs;
    };
    const refs = handedOut();
    await collectGarbage();
    assert.deepEqual(
      refs.map((ref) => ref.deref()?.request_id ?? 'collected'),
      ['collected', 'collected', 'collected', 'collected', 'e'],
      'a and b dropped when the queue was full, c and d taken; only e still queued',
    );
  });

  it('batch bytes: the rows as one JSON array in UTF-8, whatever their content and size', () => {
    const rows = [
      toRow(loggable({ requestId: 'r1', content: { input: [{ role: 'user', content: '],[{"id":"x"} \u0000 "quoted" ✓ ü 日本語 😀 \ud83d' }] } }), plain),
      toRow(loggable({ requestId: 'r2', latencyMs: Number.NaN, errorCode: 'e', errorMessage: 'a\nb' }), plain),
      toRow(loggable({ requestId: 'r3' }), plain),
    ];
    // Rows of 180 KB in 3-byte characters: past the encoder's first buffer (128 KB), then past
    // what it keeps (1 MB).
    const large = (requestId: string) => toRow(loggable({ requestId, content: { input: '語'.repeat(60_000) } }), plain);
    assert.match(large('probe').input_history ?? '', /^"語語/, 'the row keeps its content (no oversize marker)');
    const eight = Array.from({ length: 8 }, (_, index) => large(`large-${index}`));
    const encoder = new BatchEncoder();
    for (const batch of [rows, rows.slice(0, 1), [], [large('big'), ...rows], eight, rows.slice(1)]) {
      const bytes = encoder.encode(batch);
      assert.deepEqual(JSON.parse(bytes.toString('utf8')), JSON.parse(JSON.stringify(batch)));
      encoder.release(bytes);
    }
  });

  it('batch bytes: a batch encoded while another is out leaves the first one intact', () => {
    const encoder = new BatchEncoder();
    const first = encoder.encode([rowNamed('first-a'), rowNamed('first-b')]);
    const firstText = first.toString('utf8');
    const second = encoder.encode([rowNamed('second')]);
    encoder.release(second);
    const third = encoder.encode([rowNamed('third')]);
    assert.equal(first.toString('utf8'), firstText, 'the batch still out was not written over');
    assert.deepEqual(
      [second, third].map((bytes) => (JSON.parse(bytes.toString('utf8')) as RequestLogRow[]).map((row) => row.request_id)),
      [['second'], ['third']],
    );
    encoder.release(first);
    encoder.release(third);
  });

  it('writer: writes batches, retries after a failure without losing rows, flushes on demand', async () => {
    const written: string[] = [];
    let failNext = 1;
    const metrics = new RequestLogMetrics(new Registry());
    const writer = new RequestLogWriter(
      {
        prepare: async () => undefined,
        insert: async (rows) => {
          if (failNext-- > 0) throw new Error('connection refused');
          written.push(...rows.map((row) => row.request_id));
        },
        logger: createSilentLogger(),
        metrics,
      },
      { batchSize: 2, flushIntervalMs: 60_000, retryInitialMs: 60_000 },
    );
    for (const id of ['a', 'b', 'c']) writer.enqueue(rowNamed(id));
    assert.deepEqual(await writer.flush(10_000), { left: 0 });
    assert.deepEqual(written, ['a', 'b', 'c']);
    assert.equal((await metrics.written.get()).values[0]?.value, 3);
    assert.equal((await metrics.writeErrors.get()).values[0]?.value, 1);
    writer.enqueue(rowNamed('late'));
    assert.equal(writer.queued, 0, 'rows after the flush began are refused (the node is stopping)');
  });

  it('writer: a flush gives up at its deadline when the database hangs, counting what is left', async () => {
    const metrics = new RequestLogMetrics(new Registry());
    const writer = new RequestLogWriter(
      { prepare: async () => undefined, insert: () => new Promise<void>(() => undefined), logger: createSilentLogger(), metrics },
      { batchSize: 1, flushIntervalMs: 60_000 },
    );
    for (const id of ['a', 'b', 'c']) writer.enqueue(rowNamed(id));
    assert.deepEqual(await writer.flush(100), { left: 2 });
    assert.equal((await metrics.dropped.get()).values.find((value) => value.labels.reason === 'shutdown')?.value, 2);
  });

  it('captures messages, params and tools of a request, and a JSON or streamed answer', () => {
    const json: CapturedContent = {};
    captureRequest(json, {
      model: 'openai/m',
      messages: [{ role: 'user', content: 'q' }],
      temperature: 0.2,
      tools: [{ type: 'function' }],
      fallbacks: ['x/y'],
    });
    captureAnswer(json, { choices: [{ message: { role: 'assistant', content: 'a', tool_calls: [{ id: 't1' }] }, finish_reason: 'tool_calls' }] });
    assert.deepEqual(contentForRow(json), {
      input: [{ role: 'user', content: 'q' }],
      output: { role: 'assistant', content: 'a', tool_calls: [{ id: 't1' }] },
      params: { temperature: 0.2 },
      tools: [{ type: 'function' }],
      toolCalls: [{ id: 't1' }],
    });
    assert.equal(json.stopReason, 'tool_calls');
    const streamed: CapturedContent = {};
    for (const text of ['Hel', 'lo']) captureChunk(streamed, { choices: [{ delta: { content: text }, finish_reason: null }] });
    captureChunk(streamed, { choices: [{ delta: {}, finish_reason: 'stop' }] });
    assert.deepEqual(contentForRow(streamed).output, { role: 'assistant', content: 'Hello' });
    assert.equal(streamed.stopReason, 'stop');
    const tools: CapturedContent = {};
    captureChunk(tools, {
      choices: [{ delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"ci' } }] } }],
    });
    captureChunk(tools, { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] }, finish_reason: 'tool_calls' }] });
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } };
    assert.deepEqual(contentForRow(tools), {
      input: undefined,
      output: { role: 'assistant', content: null, tool_calls: [call] },
      params: undefined,
      tools: undefined,
      toolCalls: [call],
    });
  });
});
