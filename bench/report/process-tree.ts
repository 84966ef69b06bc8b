import { readFileSync, readdirSync } from 'node:fs';
import { readCpuMs, readReapedChildrenCpuMs } from './rss.js';

/**
 * A process and all its descendants, from /proc/<pid>/task/<tid>/children (each thread lists
 * the children it forked). Processes that end while it reads are left out; an unreadable root
 * gives an empty list.
 */
export function processTree(rootPid: number): number[] {
  const found: number[] = [];
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    found.push(pid);
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        if (children) pending.push(...children.split(' ').map(Number));
      } catch {
        // The thread ended while we read; Linux handed its children to another of the process's threads.
      }
    }
  }
  return found;
}

/**
 * CPU a process tree has used so far, in ms: every live process's own (user + system), plus
 * what the root's children that already ended used (its cutime + cstime, counted once the root
 * reaped them), so that short-lived workers (PostgreSQL's autovacuum) are not lost. NaN when
 * the root cannot be read.
 */
export function treeCpuMs(rootPid: number): number {
  const reaped = readReapedChildrenCpuMs(rootPid);
  if (Number.isNaN(reaped)) return NaN;
  return processTree(rootPid).reduce((sum, pid) => {
    const own = readCpuMs(pid);
    return Number.isNaN(own) ? sum : sum + own;
  }, reaped);
}
