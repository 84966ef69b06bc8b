import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../test/support/postgres-server.js';
import { measureRates, openPool, warmUp, type LoadedTarget, type SharedProcesses } from '../phases.js';
import type { BenchPlan } from '../plan.js';
import { processTree, treeCpuMs } from '../report/process-tree.js';
import type { Child } from '../targets/child.js';
import { startGatewayNode } from '../targets/gateway-node.js';
import { startGovernedNode, startLoggedNode } from '../targets/stateful-nodes.js';
import type { Target } from '../targets/target.js';
import { renderStateCosts, type StateCostFigures } from './render-state-costs.js';
import type { SectionOutcome } from '../report/results.js';

/** The rates of this phase: the ones the governance and request-log issues name. */
const STATE_RATES = [500, 1000];
const QUICK_STATE_RATES = [500];

/**
 * The cost of the cluster's shared state on one node: the same node with governance on (a
 * virtual key with a rate limit and a budget, counters in PostgreSQL) and with the request
 * log on (rows written to PostgreSQL in batches), against the node with both off, in paired
 * interleaved rounds at 500 and 1,000 req/s, each step once PostgreSQL is idle too. Afterwards
 * it checks that nothing was lost: one row per request the logged node answered, one counted
 * request per governed request.
 */
export async function measureStateCosts(
  upstream: Target,
  upstreamPort: number,
  plan: BenchPlan,
  log: (line: string) => void,
): Promise<SectionOutcome & { figures?: StateCostFigures }> {
  let server: PostgresServer;
  try {
    server = await startPostgres();
  } catch (error) {
    return { measured: false, reason: `no PostgreSQL server to run: ${(error as Error).message}` };
  }
  const children: Child[] = [];
  const reader = new pg.Pool({ connectionString: server.url(await server.createDatabase('bench_logs')), max: 2 });
  reader.on('error', () => undefined);
  try {
    /** Keeps a started node to stop at the end, and says it is up. */
    const started = async (starting: Promise<Target>): Promise<Target> => {
      const target = await starting;
      if (target.child) children.push(target.child);
      log(`${target.name} ready at ${target.origin}`);
      return target;
    };
    const off = await started(startGatewayNode({ upstreamPort, name: 'node-off' }));
    const governed = await started(startGovernedNode(server, 'bench_governance', { upstreamPort, name: 'node-governance' }));
    const logged = await started(startLoggedNode(server, 'bench_logs', { upstreamPort, name: 'node-request-log' }));

    const targets: LoadedTarget[] = [upstream, off, governed, logged].map((target) => openPool(target, plan));
    try {
      await warmUp(targets, plan, log);
      // The warm-up's rows must be in before the count the measured rounds are judged against.
      await waitForEmptyQueue(logged);
      const rowsBefore = await countRows(reader);
      const governedBefore = await countedRequests(governed);
      const statePlan = { ...plan, rates: plan.quick ? QUICK_STATE_RATES : STATE_RATES, rounds: plan.stateRounds };
      // Rotated: mirrored, the request log (listed last) ran twice in a row or after the longest rest.
      const rates = await measureRates(targets, statePlan, false, log, { shared: postgresProcesses(server), design: 'rotated' });
      const sentTo = (name: string) => rates.filter((row) => row.target === name).reduce((sum, row) => sum + row.ok + row.errors, 0);
      const rowsWritten = (await waitForRows(reader, rowsBefore + sentTo(logged.name))) - rowsBefore;
      const figures: StateCostFigures = {
        rates,
        names: { direct: upstream.name, off: off.name, governance: governed.name, requestLog: logged.name },
        requestLog: { sent: sentTo(logged.name), rowsWritten, dropped: await droppedRows(logged) },
        governance: { sent: sentTo(governed.name), counted: (await countedRequests(governed)) - governedBefore },
      };
      return { measured: true, markdown: renderStateCosts(figures), figures };
    } finally {
      await Promise.all(targets.map((loaded) => loaded.pool.close()));
    }
  } catch (error) {
    return { measured: false, reason: `failed: ${(error as Error).message}` };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
    await reader.end();
    await server.destroy();
  }
}

/**
 * PostgreSQL's processes: it finishes a step's writes after the step, so the next step waits
 * for it too; and its CPU during a step is part of what the shared state costs.
 */
function postgresProcesses(server: PostgresServer): SharedProcesses {
  return {
    pids: () => {
      const postmaster = server.pid();
      return postmaster === undefined ? [] : processTree(postmaster);
    },
    cpuMs: () => {
      const postmaster = server.pid();
      return postmaster === undefined ? NaN : treeCpuMs(postmaster);
    },
  };
}

async function countRows(pool: pg.Pool): Promise<number> {
  const result = await pool.query<{ n: string }>('SELECT count(*) AS n FROM request_logs').catch(() => ({ rows: [{ n: '0' }] }));
  return Number(result.rows[0]?.n ?? 0);
}

/** Waits (at most 30 s) for the writer to flush its queue; returns the rows then. */
async function waitForRows(pool: pg.Pool, expected: number): Promise<number> {
  const deadline = Date.now() + 30_000;
  let rows = await countRows(pool);
  while (rows < expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    rows = await countRows(pool);
  }
  return rows;
}

/** Waits (at most 30 s) until the node's request-log queue is empty. */
async function waitForEmptyQueue(target: Target): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const text = await (await fetch(`${target.origin}/metrics`)).text();
    if (/^gateway_request_log_queue_rows 0$/m.test(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function droppedRows(target: Target): Promise<number> {
  const text = await (await fetch(`${target.origin}/metrics`)).text();
  return [...text.matchAll(/^gateway_request_log_rows_dropped_total\{[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** The governed node's request counter of the bench rate limit, from GET /api/governance/usage. */
async function countedRequests(target: Target): Promise<number> {
  const report = (await (await fetch(`${target.origin}/api/governance/usage`)).json()) as {
    rate_limits: { id: string; counters: { limit_kind: string; used: number }[] }[];
  };
  const limit = report.rate_limits.find((entry) => entry.id === 'bench');
  return limit?.counters.find((counter) => counter.limit_kind === 'requests')?.used ?? Number.NaN;
}
