import assert from 'node:assert/strict';
import { appendMember } from '../../../gateway/http/inference.js';

describe('appendMember', () => {
  it('adds a member at the end of an object text, keeping the text before it as it was', () => {
    assert.equal(appendMember('{"a":1}', 'b', { c: [1, 'x'] }), '{"a":1,"b":{"c":[1,"x"]}}');
    assert.equal(appendMember('{ "s": "}" }\r\n', 'b', 2), '{ "s": "}" ,"b":2}');
    assert.deepEqual(JSON.parse(appendMember('{"nested":{"o":{}}}\n', 'b', 'é"')), { nested: { o: {} }, b: 'é"' });
  });

  it('adds no comma to an empty object', () => {
    assert.equal(appendMember('{}', 'b', 1), '{"b":1}');
    assert.equal(appendMember('{ \n\t}', 'b', null), '{ \n\t"b":null}');
  });
});
