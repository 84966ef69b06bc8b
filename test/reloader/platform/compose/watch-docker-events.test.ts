import assert from 'node:assert/strict';
import { parseEvent } from '../../../../reloader/platform/compose/watch-docker-events.js';

describe("parseEvent (a line of Docker's event stream)", () => {
  it('reads the container id and action, splitting health_status from its verdict', () => {
    assert.deepEqual(parseEvent('{"Type":"container","Action":"kill","Actor":{"ID":"abc","Attributes":{"signal":"15"}}}'), { id: 'abc', action: 'kill' });
    assert.deepEqual(parseEvent('{"Type":"container","Action":"health_status: unhealthy","Actor":{"ID":"abc"}}'), {
      id: 'abc',
      action: 'health_status',
      detail: 'unhealthy',
    });
    assert.deepEqual(parseEvent('{"status":"die","id":"def"}'), { id: 'def', action: 'die' }, 'the older fields');
  });

  it('ignores blank, partial and foreign lines', () => {
    for (const line of ['', '   ', '{"Action":"kill"', '{"Type":"network","Action":"connect"}', 'not json']) assert.equal(parseEvent(line), undefined, line);
  });
});
