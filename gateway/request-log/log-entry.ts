/** One request as GET /api/logs shows it (Bifrost's field names where it has them). */
export interface LogEntry {
  id: string;
  request_id: string;
  timestamp: string;
  node: string;
  method: string;
  route: string;
  provider: string;
  model: string;
  status: string;
  http_status: number;
  error_details: { type: string | null; message: string | null } | null;
  /** Milliseconds. */
  latency: number;
  time_to_first_token: number | null;
  token_usage: { prompt_tokens: number | null; completion_tokens: number | null; total_tokens: number | null };
  cost: number | null;
  stream: boolean;
  cancelled: boolean;
  number_of_retries: number;
  fallback_index: number;
  selected_key_name: string | null;
  virtual_key_id: string | null;
  virtual_key_name: string | null;
  team_id: string | null;
  customer_id: string | null;
  stop_reason: string | null;
  input_history: unknown;
  output_message: unknown;
  params: unknown;
  tools: unknown;
  tool_calls: unknown;
}

/** Maps a `request_logs` row to its API shape. No provider key is stored, so none can show. */
export function toLogEntry(row: Record<string, unknown>): LogEntry {
  const text = (name: string): string | null => (row[name] === null || row[name] === undefined ? null : String(row[name]));
  const num = (name: string): number | null => (row[name] === null || row[name] === undefined ? null : Number(row[name]));
  const failed = row.error_type !== null || row.error_message !== null;
  return {
    id: String(row.id),
    request_id: String(row.request_id),
    timestamp: (row.timestamp as Date).toISOString(),
    node: String(row.node),
    method: String(row.method),
    route: String(row.route),
    provider: String(row.provider),
    model: String(row.model),
    status: String(row.status),
    http_status: Number(row.http_status),
    error_details: failed ? { type: text('error_type'), message: text('error_message') } : null,
    latency: Number(row.latency_ms),
    time_to_first_token: num('ttft_ms'),
    token_usage: { prompt_tokens: num('prompt_tokens'), completion_tokens: num('completion_tokens'), total_tokens: num('total_tokens') },
    cost: num('cost'),
    stream: Boolean(row.stream),
    cancelled: Boolean(row.cancelled),
    number_of_retries: Number(row.number_of_retries),
    fallback_index: Number(row.fallback_index),
    selected_key_name: text('selected_key_name'),
    virtual_key_id: text('virtual_key_id'),
    virtual_key_name: text('virtual_key_name'),
    team_id: text('team_id'),
    customer_id: text('customer_id'),
    stop_reason: text('stop_reason'),
    input_history: row.input_history ?? null,
    output_message: row.output_message ?? null,
    params: row.params ?? null,
    tools: row.tools ?? null,
    tool_calls: row.tool_calls ?? null,
  };
}
