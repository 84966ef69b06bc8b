/**
 * A tool schema as zod, pydantic and MCP servers write it (a type array, `const`, `$ref` into
 * `$defs`, `exclusiveMinimum`): valid JSON Schema that Gemini's OpenAPI-subset `parameters` refuses.
 */
export const JSON_SCHEMA_TOOL_PARAMETERS = {
  type: 'object',
  properties: {
    unit: { type: ['string', 'null'] },
    mode: { anyOf: [{ const: 'a' }, { const: 'b' }] },
    item: { $ref: '#/$defs/Item' },
  },
  $defs: { Item: { type: 'object', properties: { n: { type: 'integer', exclusiveMinimum: 0 } } } },
  required: ['unit'],
  additionalProperties: false,
};
