import {
  checkOptionalBoolean,
  checkOptionalNumber,
  checkOptionalObject,
  checkOptionalString,
  checkOptionalStringArray,
  checkStreamFlag,
  checkString,
  invalidField,
  isAbsent,
  requireArray,
  requireObject,
  type JsonObject,
} from './field-checks.js';

const GENERATION_NUMBERS = ['maxOutputTokens', 'temperature', 'topP', 'topK', 'candidateCount', 'seed', 'presencePenalty', 'frequencyPenalty'];

/**
 * Checks a Gemini `generateContent` body before any upstream work: the type of every field
 * the translation to the chat shape reads, so that `parts: [null]` or `contents: [5]` is a
 * 400 naming the field (`contents[0].parts[0]`, as Google names them) rather than a crash.
 * Part kinds the node does not translate pass unchecked beyond being objects.
 */
export function validateGenaiBody(body: JsonObject): void {
  checkStreamFlag(body);
  const contents = requireArray(body.contents, 'contents');
  if (contents.length === 0) throw invalidField('contents', 'a non-empty array');
  contents.forEach((content, index) => checkContent(content, `contents[${index}]`));
  if (!isAbsent(body.systemInstruction)) checkContent(body.systemInstruction, 'systemInstruction');
  if (!isAbsent(body.generationConfig)) checkGenerationConfig(requireObject(body.generationConfig, 'generationConfig'));
  if (!isAbsent(body.tools)) requireArray(body.tools, 'tools').forEach((tool, index) => checkTool(tool, `tools[${index}]`));
  if (!isAbsent(body.toolConfig)) checkToolConfig(requireObject(body.toolConfig, 'toolConfig'));
}

function checkContent(value: unknown, path: string): void {
  const content = requireObject(value, path);
  checkOptionalString(content.role, `${path}.role`);
  requireArray(content.parts, `${path}.parts`).forEach((part, index) => checkPart(part, `${path}.parts[${index}]`));
}

function checkPart(value: unknown, path: string): void {
  const part = requireObject(value, path);
  checkOptionalString(part.text, `${path}.text`);
  checkOptionalBoolean(part.thought, `${path}.thought`);
  if (!isAbsent(part.functionCall)) checkFunctionRef(part.functionCall, `${path}.functionCall`);
  if (!isAbsent(part.functionResponse)) checkFunctionRef(part.functionResponse, `${path}.functionResponse`);
  if (!isAbsent(part.inlineData)) {
    const data = requireObject(part.inlineData, `${path}.inlineData`);
    checkString(data.mimeType, `${path}.inlineData.mimeType`);
    checkString(data.data, `${path}.inlineData.data`);
  }
  if (!isAbsent(part.fileData)) {
    const file = requireObject(part.fileData, `${path}.fileData`);
    checkString(file.fileUri, `${path}.fileData.fileUri`);
    checkOptionalString(file.mimeType, `${path}.fileData.mimeType`);
  }
}

/** A functionCall or functionResponse: a name, an optional id, and an object of arguments or results. */
function checkFunctionRef(value: unknown, path: string): void {
  const ref = requireObject(value, path);
  checkString(ref.name, `${path}.name`);
  checkOptionalString(ref.id, `${path}.id`);
  checkOptionalObject(ref.args, `${path}.args`);
  checkOptionalObject(ref.response, `${path}.response`);
}

function checkGenerationConfig(config: JsonObject): void {
  for (const field of GENERATION_NUMBERS) checkOptionalNumber(config[field], `generationConfig.${field}`);
  checkOptionalStringArray(config.stopSequences, (index) => `generationConfig.stopSequences[${index}]`, 'generationConfig.stopSequences');
  checkOptionalString(config.responseMimeType, 'generationConfig.responseMimeType');
}

function checkTool(value: unknown, path: string): void {
  const tool = requireObject(value, path);
  if (isAbsent(tool.functionDeclarations)) return;
  requireArray(tool.functionDeclarations, `${path}.functionDeclarations`).forEach((item, index) => {
    const declarationPath = `${path}.functionDeclarations[${index}]`;
    const declaration = requireObject(item, declarationPath);
    checkString(declaration.name, `${declarationPath}.name`);
    checkOptionalString(declaration.description, `${declarationPath}.description`);
  });
}

function checkToolConfig(config: JsonObject): void {
  if (isAbsent(config.functionCallingConfig)) return;
  const calling = requireObject(config.functionCallingConfig, 'toolConfig.functionCallingConfig');
  checkOptionalString(calling.mode, 'toolConfig.functionCallingConfig.mode');
  checkOptionalStringArray(
    calling.allowedFunctionNames,
    (index) => `toolConfig.functionCallingConfig.allowedFunctionNames[${index}]`,
    'toolConfig.functionCallingConfig.allowedFunctionNames',
  );
}
