import { GatewayError } from '../../core/errors.js';
import { checkModelRefLength } from '../../core/model-ref.js';

/** The two Gemini methods the drop-in route serves. */
export type GenaiAction = 'generateContent' | 'streamGenerateContent';

/**
 * Reads `{model}:{action}` from the path: `provider/model` (slash URL-encoded or not) as
 * given, a bare name (`gemini-2.0-flash`, `models/gemini-2.0-flash`) for the gemini provider.
 * A model longer than parseModelRef accepts is refused here, before anything notes it.
 */
export function parseGenaiModelPath(rest: string | string[] | undefined): { model: string; action: GenaiAction } {
  const text = Array.isArray(rest) ? rest.join('/') : (rest ?? '');
  const colon = text.lastIndexOf(':');
  const action = colon < 0 ? '' : text.slice(colon + 1);
  if (action !== 'generateContent' && action !== 'streamGenerateContent') {
    throw new GatewayError('not_found', `unsupported method "${action || text}": this node serves :generateContent and :streamGenerateContent`);
  }
  let model = text.slice(0, colon);
  if (model.startsWith('models/')) model = model.slice('models/'.length);
  if (model === '') throw new GatewayError('invalid_request', 'the path must name a model: /genai/v1beta/models/{model}:generateContent', { param: 'model' });
  const qualified = model.includes('/') ? model : `gemini/${model}`;
  checkModelRefLength(qualified);
  return { model: qualified, action };
}
