import { readCommonErrorBody, type ErrorBodyReader } from '../shared/upstream-http.js';

/**
 * Reads Google's error body `{error:{code,message,status}}` (status such as
 * `INVALID_ARGUMENT` becomes the error type). Streaming endpoints without `alt=sse` wrap
 * it in an array, which is unwrapped.
 */
export const readGeminiErrorBody: ErrorBodyReader = (body) => {
  const unwrapped = Array.isArray(body) && body.length > 0 ? (body[0] as unknown) : body;
  return readCommonErrorBody(unwrapped);
};

/** Google's canonical status name for an HTTP status, for errors written in Gemini's shape. */
export function googleStatusName(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 413:
      return 'INVALID_ARGUMENT';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}
