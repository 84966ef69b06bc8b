/**
 * Gemini's native wire format (Generative Language API v1beta; Vertex AI's Gemini models
 * use the same shapes). Only the fields the node reads or writes are typed; the rest pass
 * through as unknown.
 */

/** One part of a Gemini content. Exactly one data field is set. */
export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: { id?: string; name: string; args?: Record<string, unknown> };
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
  [field: string]: unknown;
}

/** A turn of the conversation: `user` or `model` (function responses travel as `user`). */
export interface GeminiContent {
  role?: string;
  parts: GeminiPart[];
}

/** A function the model may call. */
export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  parametersJsonSchema?: unknown;
  [field: string]: unknown;
}

/** A tool entry of the request; only function declarations are translated. */
export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[];
  [field: string]: unknown;
}

/** `generationConfig` of a request. */
export interface GeminiGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  candidateCount?: number;
  stopSequences?: string[];
  responseMimeType?: string;
  responseJsonSchema?: unknown;
  responseSchema?: unknown;
  [field: string]: unknown;
}

/** `toolConfig` of a request. */
export interface GeminiToolConfig {
  functionCallingConfig?: { mode?: 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED' | string; allowedFunctionNames?: string[] };
}

/** The body of `generateContent` and `streamGenerateContent`. */
export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
  safetySettings?: unknown[];
  [field: string]: unknown;
}

/** Token counts of a response. */
export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
  [field: string]: unknown;
}

/** One candidate answer. */
export interface GeminiCandidate {
  content?: GeminiContent;
  finishReason?: string;
  index?: number;
  [field: string]: unknown;
}

/** The response of `generateContent`, and each event of `streamGenerateContent`. */
export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; [field: string]: unknown };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  [field: string]: unknown;
}

/** Google's error body: `{error:{code,message,status}}`. */
export interface GeminiErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

/** The body of `batchEmbedContents`. */
export interface GeminiBatchEmbedRequest {
  requests: { model: string; content: GeminiContent; outputDimensionality?: number; taskType?: string }[];
}

/** The response of `batchEmbedContents`. */
export interface GeminiBatchEmbedResponse {
  embeddings: { values: number[] }[];
}
