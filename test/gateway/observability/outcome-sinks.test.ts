import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { AccessLogSink, MAX_LOGGED_PATH_CHARS, accessFields } from '../../../gateway/observability/access-log-sink.js';
import { GatewayMetrics } from '../../../gateway/observability/metrics.js';
import { MetricsSink } from '../../../gateway/observability/metrics-sink.js';
import { ModelLabels } from '../../../gateway/observability/model-labels.js';
import { ModelSeriesTable } from '../../../gateway/observability/model-series.js';
import type { ProviderSettings } from '../../../shared/config/index.js';
import type { RequestOutcome } from '../../../gateway/request/outcome.js';
import { createLogger } from '../../../shared/logger.js';

/** Label bounds for configured providers that name the given models in their keys. */
function labelsFor(providers: Record<string, string[]>): ModelLabels {
  const settings = new Map<string, ProviderSettings>();
  for (const [name, models] of Object.entries(providers)) settings.set(name, { keys: [{ models }] } as unknown as ProviderSettings);
  return new ModelLabels(settings);
}

/** A finished chat request answered by openai/gpt-4o-mini, with overrides. */
function outcomeWith(overrides: Partial<RequestOutcome> = {}): RequestOutcome {
  return {
    requestId: 'req-1',
    method: 'POST',
    path: '/v1/chat/completions',
    route: '/v1/chat/completions',
    status: 200,
    startedAt: 0,
    durationMs: 12.345,
    inference: true,
    provider: 'openai',
    model: 'gpt-4o-mini',
    requestedProvider: 'openai',
    requestedModel: 'gpt-4o-mini',
    attempts: 1,
    fallbackIndex: 0,
    keyName: 'k',
    streamed: false,
    inputTokens: 5,
    outputTokens: 4,
    firstChunkMs: undefined,
    succeeded: true,
    error: undefined,
    finished: true,
    abortedBy: undefined,
    principal: undefined,
    ...overrides,
  };
}

describe('outcome sinks', () => {
  describe('MetricsSink', () => {
    it('counts a success with its tokens under the provider that answered', async () => {
      const metrics = new GatewayMetrics();
      new MetricsSink(new ModelSeriesTable(metrics, labelsFor({ openai: ['*'] }))).record(outcomeWith());
      const text = await metrics.render();
      assert.match(text, /http_requests_total\{path="\/v1\/chat\/completions",method="POST",status="200",provider="openai",model="gpt-4o-mini"\} 1/);
      assert.match(text, /bifrost_success_requests_total\{provider="openai",model="gpt-4o-mini"\} 1/);
      assert.match(text, /bifrost_input_tokens_total\{provider="openai",model="gpt-4o-mini"\} 5/);
      assert.match(text, /bifrost_output_tokens_total\{provider="openai",model="gpt-4o-mini"\} 4/);
      assert.doesNotMatch(text, /bifrost_error_requests_total\{/);
    });

    it('never turns an unconfigured provider named by a client into a label value', async () => {
      const metrics = new GatewayMetrics();
      const error = { code: 'unknown_provider', status: 400, type: 'invalid_request_error', message: 'no' };
      new MetricsSink(new ModelSeriesTable(metrics, labelsFor({ openai: ['*'] }))).record(
        outcomeWith({ provider: 'random-xyz', model: 'm', status: 400, succeeded: false, error, inputTokens: 0, outputTokens: 0 }),
      );
      const text = await metrics.render();
      assert.match(text, /http_requests_total\{path="\/v1\/chat\/completions",method="POST",status="400",provider="",model=""\} 1/);
      assert.match(text, /bifrost_error_requests_total\{provider="",model="",status="400"\} 1/);
      assert.doesNotMatch(text, /random-xyz/);
    });

    it('labels a model the client made up as "other", however many there are, and a configured model by name', async () => {
      const metrics = new GatewayMetrics();
      const sink = new MetricsSink(new ModelSeriesTable(metrics, labelsFor({ openai: ['gpt-4o'] })));
      const error = { code: 'upstream_error', status: 404, type: 'not_found', message: 'no such model' };
      for (let i = 0; i < 500; i++) {
        sink.record(outcomeWith({ model: `made-up-${i}-${'x'.repeat(100)}`, status: 404, succeeded: false, error, inputTokens: 0, outputTokens: 0 }));
      }
      sink.record(outcomeWith({ model: 'gpt-4o' }));
      const text = await metrics.render();
      assert.doesNotMatch(text, /made-up/);
      assert.match(text, /bifrost_error_requests_total\{provider="openai",model="other",status="404"\} 500/);
      assert.match(text, /bifrost_success_requests_total\{provider="openai",model="gpt-4o"\} 1/);
      assert.ok(text.length < 50_000, `/metrics grew to ${text.length} bytes`);
    });

    it('counts neither success nor error for a probe', async () => {
      const metrics = new GatewayMetrics();
      new MetricsSink(new ModelSeriesTable(metrics, labelsFor({}))).record(
        outcomeWith({ route: '/health', path: '/health', method: 'GET', inference: false, provider: '', model: '', succeeded: false }),
      );
      const text = await metrics.render();
      assert.match(text, /http_requests_total\{path="\/health",method="GET",status="200",provider="",model=""\} 1/);
      assert.doesNotMatch(text, /bifrost_success_requests_total\{/);
    });
  });

  describe('AccessLogSink', () => {
    function capture(level = 'info') {
      const lines: Record<string, unknown>[] = [];
      let raw = '';
      const destination = new Writable({
        decodeStrings: false,
        write(chunk: string | Buffer, _encoding, callback) {
          raw += chunk.toString();
          for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
          callback();
        },
      });
      const logger = createLogger({ level, destination });
      return { lines, logger, sink: new AccessLogSink(logger), text: () => raw };
    }

    it('writes the access-log line fields, client_gone when the response did not finish', () => {
      const { lines, sink } = capture();
      sink.record(
        outcomeWith({ fallbackIndex: 1, attempts: 2, finished: false, error: { code: 'upstream_error', status: 502, type: 'upstream_error', message: 'x' } }),
      );
      const line = lines[0] as Record<string, unknown>;
      assert.equal(line.id, 'req-1');
      assert.equal(line.method, 'POST');
      assert.equal(line.path, '/v1/chat/completions');
      assert.equal(line.status, 200);
      assert.equal(line.provider, 'openai');
      assert.equal(line.model, 'gpt-4o-mini');
      assert.equal(line.latency_ms, 12.3);
      assert.equal(line.attempts, 2);
      assert.equal(line.fallback, 1);
      assert.equal(line.error, 'upstream_error');
      assert.equal(line.client_gone, true);
      assert.equal('key' in line || 'keyName' in line, false, 'no key in the access log');
    });

    it('cuts a path thousands of characters long, so one request cannot write a line of kilobytes', () => {
      const { lines, sink } = capture();
      const model = 'g'.repeat(12_000);
      sink.record(outcomeWith({ path: `/genai/v1beta/models/${model}:generateContent`, route: '/genai/v1beta/models/:modelAction' }));
      const path = String((lines[0] as Record<string, unknown>).path);
      assert.ok(path.startsWith('/genai/v1beta/models/ggg') && path.endsWith('…'), path.slice(0, 40));
      assert.ok(path.length <= MAX_LOGGED_PATH_CHARS + 1, `${path.length} characters`);
    });

    it("writes each line exactly as pino's logger.info would, escaping included", () => {
      const outcomes = [
        outcomeWith({}),
        outcomeWith({ fallbackIndex: 2, attempts: 3, finished: false, error: { code: 'upstream_timeout', status: 504, type: 'x', message: 'y' } }),
        outcomeWith({ path: '/v1/chat/"quoted"\\back\u2028é\u0001', provider: '', model: '', principal: { virtualKey: 'vk-ü' } }),
      ];
      const direct = capture();
      const viaPino = capture();
      for (const outcome of outcomes) {
        direct.sink.record(outcome);
        viaPino.logger.info(accessFields(outcome));
      }
      const withoutTime = (text: string) => text.replace(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/g, '"time":"T"');
      assert.equal(direct.text().split('\n').length, 4);
      assert.match(direct.text(), /^\{"level":"info","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","id":"req-1",/);
      assert.equal(withoutTime(direct.text()), withoutTime(viaPino.text()));
    });

    it("keeps a child logger's bindings on its lines", () => {
      const { lines, logger } = capture();
      new AccessLogSink(logger.child({ svc: 'edge' })).record(outcomeWith({}));
      assert.equal(lines[0]?.svc, 'edge');
      assert.equal(lines[0]?.id, 'req-1');
    });

    it('leaves probes out at info', () => {
      const { lines, sink } = capture('info');
      sink.record(outcomeWith({ route: '/metrics', path: '/metrics', inference: false }));
      assert.equal(lines.length, 0);
    });
  });
});
