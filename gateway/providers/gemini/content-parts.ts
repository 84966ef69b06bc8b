import { GatewayError } from '../../core/errors.js';
import type { ContentPart } from '../chat-types.js';
import type { GeminiPart } from './wire-types.js';

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

/**
 * Turns one OpenAI content part into a Gemini part: text stays text, a `data:` image URL
 * becomes `inlineData`, an http(s) URL becomes `fileData` (Gemini fetches it itself).
 */
export function toGeminiPart(part: ContentPart): GeminiPart {
  if (part.type === 'text' && typeof part.text === 'string') return { text: part.text };
  if (part.type === 'image_url') {
    const imageUrl = part.image_url as { url?: unknown } | string | undefined;
    const url = typeof imageUrl === 'string' ? imageUrl : imageUrl?.url;
    if (typeof url !== 'string' || url === '') {
      throw new GatewayError('invalid_request', 'image_url parts need an image_url.url', { param: 'messages' });
    }
    return toGeminiMediaPart(url);
  }
  throw new GatewayError('invalid_request', `content part type "${part.type}" is not supported by gemini`, {
    param: 'messages',
  });
}

/** A media URL as a Gemini part: `data:` URLs inline, others by reference. */
export function toGeminiMediaPart(url: string): GeminiPart {
  const dataUrl = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  if (dataUrl) return { inlineData: { mimeType: dataUrl[1] as string, data: dataUrl[2] as string } };
  if (url.startsWith('data:')) {
    throw new GatewayError('invalid_request', 'data: image URLs must be base64-encoded', { param: 'messages' });
  }
  return { fileData: { mimeType: guessMimeType(url), fileUri: url } };
}

/** Gemini wants a MIME type for file references; guess it from the URL's extension. */
function guessMimeType(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // Not a URL we can parse (gs://...): use the raw string.
  }
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (extension && MIME_BY_EXTENSION[extension]) || 'image/jpeg';
}

/** Gemini parts back as OpenAI content parts (used by the drop-in route). */
export function fromGeminiMediaPart(part: GeminiPart): ContentPart | undefined {
  if (part.inlineData) {
    return { type: 'image_url', image_url: { url: `data:${part.inlineData.mimeType};base64,${part.inlineData.data}` } };
  }
  if (part.fileData) return { type: 'image_url', image_url: { url: part.fileData.fileUri } };
  return undefined;
}
