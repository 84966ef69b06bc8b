import assert from 'node:assert/strict';
import { ConcurrencyLimiter } from '../../../gateway/core/concurrency-limiter.js';
import { GatewayError } from '../../../gateway/core/errors.js';
import { Cancellation } from '../../../gateway/core/cancellation.js';

const live = (): Cancellation => new Cancellation();

describe('ConcurrencyLimiter', () => {
  it('lets `concurrency` requests through and queues the rest in arrival order', async () => {
    const limiter = new ConcurrencyLimiter({ provider: 'p', concurrency: 2, bufferSize: 10, dropExcess: false });
    const first = await limiter.acquire(live());
    await limiter.acquire(live());
    const order: number[] = [];
    const third = limiter.acquire(live()).then((release) => (order.push(3), release));
    const fourth = limiter.acquire(live()).then((release) => (order.push(4), release));
    assert.equal(limiter.inFlight, 2);
    assert.equal(limiter.queued, 2);
    first();
    (await third)();
    await fourth;
    assert.deepEqual(order, [3, 4]);
    assert.equal(limiter.inFlight, 2);
  });

  it('refuses with 429 at once beyond buffer_size when drop_excess_requests is set', async () => {
    const limiter = new ConcurrencyLimiter({ provider: 'p', concurrency: 1, bufferSize: 1, dropExcess: true });
    await limiter.acquire(live());
    void limiter.acquire(live());
    await assert.rejects(limiter.acquire(live()), (error: unknown) => error instanceof GatewayError && error.status === 429 && error.code === 'queue_full');
  });

  it('keeps waiting beyond buffer_size when drop_excess_requests is not set', async () => {
    const limiter = new ConcurrencyLimiter({ provider: 'p', concurrency: 1, bufferSize: 0, dropExcess: false });
    const release = await limiter.acquire(live());
    const waiting = limiter.acquire(live());
    assert.equal(limiter.queued, 1);
    release();
    (await waiting)();
    assert.equal(limiter.inFlight, 0);
  });

  it('drops a waiter whose client left, and does not give it a slot', async () => {
    const limiter = new ConcurrencyLimiter({ provider: 'p', concurrency: 1, bufferSize: 5, dropExcess: false });
    const release = await limiter.acquire(live());
    const controller = new Cancellation();
    const leaving = limiter.acquire(controller);
    const staying = limiter.acquire(live());
    controller.abort(new Error('gone'));
    await assert.rejects(leaving, /gone/);
    assert.equal(limiter.queued, 1);
    release();
    (await staying)();
    assert.equal(limiter.inFlight, 0);
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new ConcurrencyLimiter({ provider: 'p', concurrency: 1, bufferSize: 5, dropExcess: false });
    const release = await limiter.acquire(live());
    release();
    release();
    assert.equal(limiter.inFlight, 0);
    await limiter.acquire(live());
    assert.equal(limiter.inFlight, 1);
  });

  it('takes a free slot at once with tryAcquire, and never past the line of those waiting', async () => {
    const limiter = new ConcurrencyLimiter({ provider: 'p', concurrency: 1, bufferSize: 5, dropExcess: false });
    const gone = live();
    gone.abort(new Error('client left'));
    assert.equal(limiter.tryAcquire(gone), undefined, 'an aborted request takes no slot');
    const release = limiter.tryAcquire(live());
    assert.ok(release);
    assert.equal(limiter.tryAcquire(live()), undefined, 'no free slot');
    const waiting = limiter.acquire(live());
    release();
    // The slot went to the waiter, not to a newcomer asking at that moment.
    assert.equal(limiter.tryAcquire(live()), undefined);
    (await waiting)();
    assert.equal(limiter.inFlight, 0);
    assert.ok(limiter.tryAcquire(live()));
  });
});
