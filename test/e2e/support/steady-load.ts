import type OpenAI from 'openai';

/** The outcome of one request of the steady load. */
export interface LoadOutcome {
  marker: string;
  stream: boolean;
  ok: boolean;
  /** For streams: the stream ended with a finish_reason and the full text. */
  complete: boolean;
  node: string | null;
  error?: string;
}

const EXPECTED_TEXT = /^upstream=\S+ model=\S+ key=\S+$/;

/**
 * Keeps `concurrency` clients busy through nginx until stopped, alternating streaming and
 * non-streaming chat requests. Every request carries a unique marker in its message and as
 * its x-request-id, so the upstream's record shows whether any of them arrived twice.
 */
export class SteadyLoad {
  private running = false;
  private workers: Promise<void>[] = [];
  private counter = 0;
  readonly outcomes: LoadOutcome[] = [];

  constructor(
    private readonly client: OpenAI,
    private readonly options: { concurrency: number; model: string; prefix: string },
  ) {}

  /** Starts the workers. */
  start(): void {
    this.running = true;
    for (let w = 0; w < this.options.concurrency; w += 1) this.workers.push(this.runWorker());
  }

  /** Stops after the requests in progress finish; resolves with every outcome. */
  async stop(): Promise<LoadOutcome[]> {
    this.running = false;
    await Promise.all(this.workers);
    return this.outcomes;
  }

  private async runWorker(): Promise<void> {
    while (this.running) {
      const n = (this.counter += 1);
      const marker = `${this.options.prefix}-${n}`;
      const stream = n % 2 === 0;
      this.outcomes.push(stream ? await this.sendStream(marker) : await this.sendJson(marker));
    }
  }

  private async sendJson(marker: string): Promise<LoadOutcome> {
    try {
      const { data, response } = await this.client.chat.completions
        .create({ model: this.options.model, messages: [{ role: 'user', content: `e2e-id:${marker}` }] }, { headers: { 'x-request-id': marker } })
        .withResponse();
      const text = data.choices[0]?.message.content ?? '';
      const ok = EXPECTED_TEXT.test(text);
      return { marker, stream: false, ok, complete: ok, node: response.headers.get('x-gateway-node'), ...(ok ? {} : { error: `unexpected answer ${text}` }) };
    } catch (error) {
      return { marker, stream: false, ok: false, complete: false, node: null, error: describe(error) };
    }
  }

  private async sendStream(marker: string): Promise<LoadOutcome> {
    let node: string | null = null;
    try {
      const { data: stream, response } = await this.client.chat.completions
        .create({ model: this.options.model, stream: true, messages: [{ role: 'user', content: `e2e-id:${marker}` }] }, { headers: { 'x-request-id': marker } })
        .withResponse();
      node = response.headers.get('x-gateway-node');
      let text = '';
      let finished = false;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (chunk.choices[0]?.finish_reason) finished = true;
      }
      const complete = finished && EXPECTED_TEXT.test(text);
      return { marker, stream: true, ok: complete, complete, node, ...(complete ? {} : { error: `stream ended early: "${text}"` }) };
    } catch (error) {
      return { marker, stream: true, ok: false, complete: false, node, error: describe(error) };
    }
  }
}

function describe(error: unknown): string {
  const e = error as { status?: number; message?: string; cause?: { code?: string; message?: string } };
  return `${e.status ?? ''} ${e.message ?? String(error)}${e.cause ? ` (cause: ${e.cause.code ?? e.cause.message})` : ''}`.trim();
}
