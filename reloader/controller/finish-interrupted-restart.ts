import type { Logger } from '../../shared/logger.js';
import { isDockerUnavailable } from '../errors.js';
import { LogEvent } from '../observability/log-events.js';
import type { Platform } from '../platform/platform.js';
import type { RestartJournal } from '../rollout/restart-journal.js';

/** What finishing an interrupted restart did. */
export type FinishOutcome = 'none' | 'resumed' | 'failed';

/**
 * Finishes a restart the journal says is half done (a previous process was killed, or the
 * Docker API went away between stop and start): starts the node again if it is not running,
 * then clears the entry. 'failed' (the API is unreachable) keeps the entry: the caller must
 * then restart no other node, as that would overwrite the entry and forget the stopped node.
 */
export async function finishInterruptedRestart(journal: RestartJournal, platform: Platform, logger: Logger): Promise<FinishOutcome> {
  try {
    const entry = await journal.read();
    if (!entry) return 'none';
    await platform.resumeRestart(entry);
    await journal.end();
    return 'resumed';
  } catch (error) {
    if (isDockerUnavailable(error)) {
      logger.warn(
        { event: LogEvent.restartResumeFailed, err: (error as Error).message },
        `could not finish an interrupted restart: ${(error as Error).message}; will retry`,
      );
      return 'failed';
    }
    // Anything else (the entry names a container that is not ours) would fail on every pass
    // and stall the reloader: say so and let the entry go.
    logger.error(
      { event: LogEvent.restartResumeFailed, err: error },
      `dropping an interrupted-restart entry that cannot be finished: ${(error as Error).message}`,
    );
    await journal.end().catch(() => undefined);
    return 'none';
  }
}
