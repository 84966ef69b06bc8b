/** The shared adapter of every OpenAI-compatible provider. */
export { openaiCompatibleAdapter } from './adapter.js';
export { OPENAI_COMPATIBLE_ENDPOINTS, isOpenAICompatible, endpointFor, type OpenAICompatibleEndpoint } from './endpoints.js';
export { readOpenAIChunks } from './stream.js';
export { streamTextCompletion, type TextCompletionChunk } from './text-stream.js';
