// A stand-in provider for the end-to-end tier, speaking the OpenAI chat protocol (JSON and
// SSE streaming). Plain Node, no dependencies: it runs in the local Node base image with this
// file bind-mounted. Every chat request is recorded (its x-request-id and the e2e marker the
// test puts in the last message) so the test can prove that no request reached it twice.
// The answer says who answered: this upstream's name, the model and the key used.
// `e2e-hold-ms:N` in the last message holds that request N ms before it is answered (a long
// LLM call), on top of UPSTREAM_DELAY_MS.
//   GET  /_requests  -> recorded requests      POST /_reset -> forget them
import { createServer } from 'node:http';

const NAME = process.env.UPSTREAM_NAME ?? 'upstream';
const PORT = Number(process.env.UPSTREAM_PORT ?? 9000);
const DELAY_MS = Number(process.env.UPSTREAM_DELAY_MS ?? 50);
const STREAM_CHUNKS = Number(process.env.UPSTREAM_STREAM_CHUNKS ?? 5);
const STREAM_CHUNK_DELAY_MS = Number(process.env.UPSTREAM_STREAM_CHUNK_DELAY_MS ?? 80);

let records = [];
let sequence = 0;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function markerOf(messages) {
  const last = Array.isArray(messages) ? messages[messages.length - 1] : undefined;
  const content = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  return /e2e-id:([\w.-]+)/.exec(content)?.[1] ?? null;
}

function holdOf(messages) {
  const last = Array.isArray(messages) ? messages[messages.length - 1] : undefined;
  const content = typeof last?.content === 'string' ? last.content : '';
  return Number(/e2e-hold-ms:(\d+)/.exec(content)?.[1] ?? 0);
}

async function answerChat(req, res) {
  const raw = await readBody(req);
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return sendJson(res, 400, { error: { message: 'invalid JSON', type: 'invalid_request_error' } });
  }
  const key = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
  const record = {
    seq: ++sequence,
    at: Date.now(),
    path: req.url,
    request_id: req.headers['x-request-id'] ?? null,
    marker: markerOf(body.messages),
    model: body.model,
    stream: body.stream === true,
    key,
  };
  records.push(record);
  const text = `upstream=${NAME} model=${body.model} key=${key}`;
  const id = `chatcmpl-${NAME}-${record.seq}`;
  const created = Math.floor(Date.now() / 1000);
  await sleep(DELAY_MS + holdOf(body.messages));

  if (body.stream !== true) {
    return sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: STREAM_CHUNKS, total_tokens: 5 + STREAM_CHUNKS },
    });
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const chunk = (delta, finish) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: body.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }, null))}\n\n`);
  // The full text arrives over STREAM_CHUNKS pieces, so a cut stream is visible to the client.
  const per = Math.ceil(text.length / STREAM_CHUNKS);
  for (let i = 0; i < STREAM_CHUNKS; i += 1) {
    res.write(`data: ${JSON.stringify(chunk({ content: text.slice(i * per, (i + 1) * per) }, null))}\n\n`);
    await sleep(STREAM_CHUNK_DELAY_MS);
  }
  res.write(`data: ${JSON.stringify(chunk({}, 'stop'))}\n\n`);
  res.end('data: [DONE]\n\n');
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'POST' && path.endsWith('/chat/completions')) {
    answerChat(req, res).catch((error) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: 'server_error' } });
      else res.destroy();
    });
  } else if (req.method === 'GET' && path.endsWith('/models')) {
    sendJson(res, 200, { object: 'list', data: [{ id: 'gpt-e2e', object: 'model', created: 0, owned_by: NAME }] });
  } else if (req.method === 'GET' && path === '/_requests') {
    sendJson(res, 200, records);
  } else if (req.method === 'POST' && path === '/_reset') {
    records = [];
    sendJson(res, 200, { ok: true });
  } else if (req.method === 'GET' && path === '/health') {
    sendJson(res, 200, { status: 'ok', name: NAME });
  } else {
    sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
  }
});
server.keepAliveTimeout = 65_000;
server.listen(PORT, '0.0.0.0', () => console.log(`mock upstream ${NAME} on :${PORT}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
