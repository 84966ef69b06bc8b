/**
 * Cohere v2 wire shapes (https://docs.cohere.com/reference/chat, /reference/embed), only the
 * fields the node reads or writes.
 */

/** A content item of a Cohere message. */
export type CohereContent =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: 'document'; document: { data: string; id?: string } };

/** A tool call in Cohere's (OpenAI-like) shape. */
export interface CohereToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One message of a Cohere v2 conversation. */
export type CohereMessage =
  | { role: 'system'; content: string | CohereContent[] }
  | { role: 'user'; content: string | CohereContent[] }
  | { role: 'assistant'; content?: string | CohereContent[]; tool_calls?: CohereToolCall[]; tool_plan?: string }
  | { role: 'tool'; tool_call_id: string; content: string | CohereContent[] };

/** A v2 chat request body. */
export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream?: boolean;
  max_tokens?: number;
  temperature?: number;
  p?: number;
  k?: number;
  seed?: number;
  stop_sequences?: string[];
  frequency_penalty?: number;
  presence_penalty?: number;
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: Record<string, unknown> } }[];
  tool_choice?: 'REQUIRED' | 'NONE';
  response_format?: { type: 'text' } | { type: 'json_object'; json_schema?: Record<string, unknown> };
}

/** Why Cohere stopped generating. */
export type CohereFinishReason = 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL' | 'ERROR' | 'TIMEOUT' | string;

/** Token counts: `billed_units` is what is charged, `tokens` what the model saw. */
export interface CohereUsage {
  billed_units?: { input_tokens?: number; output_tokens?: number };
  tokens?: { input_tokens?: number; output_tokens?: number };
}

/** A v2 chat response body. */
export interface CohereChatResponse {
  id: string;
  finish_reason: CohereFinishReason;
  message: {
    role: 'assistant';
    content?: { type: string; text?: string }[];
    tool_plan?: string;
    tool_calls?: CohereToolCall[];
  };
  usage?: CohereUsage;
}

/** One event of a v2 chat stream (the `type` field names it). */
export interface CohereStreamEvent {
  type: string;
  id?: string;
  index?: number;
  delta?: {
    message?: {
      content?: { type?: string; text?: string };
      tool_plan?: string;
      tool_calls?: { id?: string; type?: 'function'; function?: { name?: string; arguments?: string } };
    };
    finish_reason?: CohereFinishReason;
    usage?: CohereUsage;
    error?: string;
  };
}

/** A v2 embed request body. */
export interface CohereEmbedRequest {
  model: string;
  texts: string[];
  input_type: string;
  embedding_types: ['float'];
  output_dimension?: number;
  truncate?: string;
}

/** A v2 embed response body. */
export interface CohereEmbedResponse {
  id: string;
  embeddings: { float?: number[][] };
  meta?: { billed_units?: { input_tokens?: number } };
}
