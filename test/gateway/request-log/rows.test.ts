import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { captureAnswer, captureChunk, captureRequest, captureText, contentForRow, type CapturedContent } from '../../../gateway/request-log/capture-content.js';
import { BatchEncoder } from '../../../gateway/request-log/batch-encoder.js';
import { RequestLogMetrics } from '../../../gateway/request-log/log-metrics.js';
import { jsonLengthAtLeast, MAX_CONTENT_CHARS, MAX_NAME_CHARS, rowSize, toRow, type RequestLogRow } from '../../../gateway/request-log/log-row.js';
import { parseLogQuery, LogQueryError } from '../../../gateway/request-log/log-filters.js';
import { toLoggable } from '../../../gateway/request-log/request-log-sink.js';
import type { RequestOutcome } from '../../../gateway/request/outcome.js';
import { seededRandom } from '../../support/seeded-random.js';
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

  it('replaces content of many megabytes with a marker giving its JSON length', () => {
    const image = `data:image/png;base64,${'A'.repeat(20_000_000)}`;
    const input = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: image } }] }];
    const row = toRow(loggable({ content: { input } }), plain);
    assert.deepEqual(JSON.parse(row.input_history ?? ''), { truncated: true, chars: JSON.stringify(input).length });
  });

  it('bounds the JSON length of any value from below, exactly where nothing needs escaping and numbers are digits', () => {
    const random = seededRandom(19);
    const anyValue = (depth: number): unknown => {
      const pick = Math.floor(random() * (depth > 3 ? 4 : 7));
      if (pick === 0) return 'text "quoted"\n\u0001 ünïcødé 😀'.slice(0, Math.floor(random() * 30));
      if (pick === 1) return Math.round(random() * 1e6) / 100;
      if (pick === 2) return random() < 0.5 ? null : random() < 0.5;
      if (pick === 3) return 'plain';
      if (pick === 4) return Array.from({ length: Math.floor(random() * 4) }, () => anyValue(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, (_, i) => [`k${i}`, anyValue(depth + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const value = anyValue(0);
      assert.ok(jsonLengthAtLeast(value) <= JSON.stringify(value).length, JSON.stringify(value));
    }
    const plainValue = {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null },
      ],
      n: [1, 2, true, false],
      empty: {},
      none: [],
    };
    assert.equal(jsonLengthAtLeast(plainValue), JSON.stringify(plainValue).length);
  });

  it('cuts names and ids to a length PostgreSQL can index, and counts every text in the queue bound', () => {
    const huge = 'm'.repeat(5_000_000);
    const row = toRow(loggable({ model: huge, provider: huge, requestId: huge, virtualKeyId: huge, teamId: huge }), plain);
    for (const column of [row.model, row.provider, row.request_id, row.virtual_key_id, row.team_id]) assert.equal(column?.length, MAX_NAME_CHARS);
    const small = toRow(loggable({}), plain);
    assert.ok(rowSize(row) - rowSize(small) >= 5 * (MAX_NAME_CHARS - 20), 'the long names weigh in the byte bound');
  });

  it("records the virtual key's name beside its id", () => {
    const outcome = {
      requestId: 'r-1',
      method: 'POST',
      route: '/v1/chat/completions',
      status: 200,
      durationMs: 12,
      provider: 'openai',
      model: 'gpt-4o-mini',
      streamed: false,
      inputTokens: 3,
      outputTokens: 4,
      succeeded: true,
      principal: { virtualKey: 'vk-support', virtualKeyName: 'Support team key', team: 'team-a' },
    } as unknown as RequestOutcome;
    const logged = toLoggable(outcome, Date.now());
    const row = toRow(logged, plain);
    assert.deepEqual([row.virtual_key_id, row.virtual_key_name, row.team_id], ['vk-support', 'Support team key', 'team-a']);
  });

  it('refuses token and offset filters PostgreSQL could not take, naming the parameter', () => {
    for (const [param, value] of [
      ['min_tokens', '1.5'],
      ['max_tokens', '3000000000'],
      ['offset', '1e21'],
      ['offset', '-1'],
    ]) {
      assert.throws(
        () => parseLogQuery({ [param as string]: value }),
        (error: unknown) => error instanceof LogQueryError && error.param === param,
        `${param}=${value}`,
      );
    }
    assert.deepEqual(parseLogQuery({ min_tokens: '10', max_tokens: '2147483647', offset: '20' }).filters, { minTokens: 10, maxTokens: 2_147_483_647 });
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

  it('writer: waits out its backoff while the database is down, however many rows arrive meanwhile', async () => {
    let attempts = 0;
    const writer = new RequestLogWriter(
      {
        prepare: async () => undefined,
        insert: async () => {
          attempts++;
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        },
        logger: createSilentLogger(),
        metrics: new RequestLogMetrics(new Registry()),
      },
      { batchSize: 10, flushIntervalMs: 10, retryInitialMs: 200, retryMaxMs: 400 },
    );
    // 400 rows over about 800 ms: a full batch queued at every row after the first ten.
    for (let i = 0; i < 400; i++) {
      writer.enqueue(rowNamed(`r-${i}`));
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Backoff of 200-400 ms: a handful of attempts, not one per row.
    assert.ok(attempts <= 8, `${attempts} write attempts`);
    assert.equal(writer.queued, 400, 'no row lost while waiting');
    await writer.flush(0);
  });

  it('writer: a batch refused for a program limit (54000) is written row by row, dropping only the row refused', async () => {
    const written: string[] = [];
    const metrics = new RequestLogMetrics(new Registry());
    const writer = new RequestLogWriter(
      {
        prepare: async () => undefined,
        insert: async (rows) => {
          if (rows.some((row) => row.request_id === 'too-big'))
            throw Object.assign(new Error('index row size 6024 exceeds btree version 4 maximum 2704'), { code: '54000' });
          written.push(...rows.map((row) => row.request_id));
        },
        logger: createSilentLogger(),
        metrics,
      },
      { batchSize: 3, flushIntervalMs: 60_000 },
    );
    for (const id of ['a', 'too-big', 'b']) writer.enqueue(rowNamed(id));
    assert.deepEqual(await writer.flush(5_000), { left: 0 });
    assert.deepEqual(written, ['a', 'b']);
    assert.equal((await metrics.dropped.get()).values.find((value) => value.labels.reason === 'rejected')?.value, 1);
  });

  it('writer: makes the schema again when the table is gone, and writes', async () => {
    let prepared = 0;
    let tableExists = true;
    const written: string[] = [];
    const writer = new RequestLogWriter(
      {
        prepare: async () => {
          prepared++;
          tableExists = true;
        },
        insert: async (rows) => {
          if (!tableExists) throw Object.assign(new Error('relation "request_logs" does not exist'), { code: '42P01' });
          written.push(...rows.map((row) => row.request_id));
        },
        logger: createSilentLogger(),
        metrics: new RequestLogMetrics(new Registry()),
      },
      { batchSize: 1, flushIntervalMs: 1, retryInitialMs: 1, retryMaxMs: 5 },
    );
    writer.notePrepared();
    tableExists = false;
    writer.enqueue(rowNamed('after-recreate'));
    assert.deepEqual(await writer.flush(5_000), { left: 0 });
    assert.deepEqual(written, ['after-recreate']);
    assert.equal(prepared, 1, 'prepared again once the insert found no table');
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

  it('keeps no more of a stream than a row can hold, and logs the marker with every character counted', () => {
    const piece = 'x'.repeat(1000);
    const chunk = { choices: [{ delta: { content: piece }, finish_reason: null }] };
    const fits: CapturedContent = {};
    for (let i = 0; i < Math.floor(MAX_CONTENT_CHARS / 1000) - 1; i++) captureChunk(fits, chunk);
    const kept = toRow(loggable({ stream: true, content: contentForRow(fits) }), plain).output_message;
    assert.equal(JSON.parse(kept ?? 'null').content.length, (Math.floor(MAX_CONTENT_CHARS / 1000) - 1) * 1000);

    // A stream that never ends: what the node holds stops growing at the row's bound.
    const endless: CapturedContent = {};
    for (let i = 0; i < 5000; i++) captureChunk(endless, chunk);
    assert.equal(endless.streamText, undefined);
    assert.equal(
      toRow(loggable({ stream: true, content: contentForRow(endless) }), plain).output_message,
      JSON.stringify({ truncated: true, chars: 5_000_000 }),
    );

    const nativeText: CapturedContent = {};
    for (let i = 0; i < 100; i++) captureText(nativeText, piece);
    assert.equal(nativeText.streamText, undefined);
    assert.deepEqual(contentForRow(nativeText).output, { truncated: true, chars: 100_000 });

    // Tool-call deltas without an index each open a call: a flood of empty ones is bounded too.
    const calls: CapturedContent = {};
    const empty = { choices: [{ delta: { tool_calls: [{}] }, finish_reason: null }] };
    for (let i = 0; i < 10_000; i++) captureChunk(calls, empty);
    assert.equal(calls.streamToolCalls, undefined);
    const row = toRow(loggable({ stream: true, content: contentForRow(calls) }), plain);
    assert.equal(JSON.parse(row.output_message ?? 'null').truncated, true);
    assert.equal(row.tool_calls, null);
  });
});
