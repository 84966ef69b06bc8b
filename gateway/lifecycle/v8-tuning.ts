import { setFlagsFromString } from 'node:v8';

/**
 * Turns off V8's allocation-site pretenuring for this process. Imported first by the node's
 * entry point, before the modules that allocate the request path's objects are evaluated.
 *
 * Why: a request's objects live about 20 ms, but V8 learns from the start-up and warm-up, when
 * survival is high, to allocate some of them (sites on the request's head: the incoming message,
 * its headers, the body's text) straight into the old generation. They die there, and until a
 * full collection frees them every scavenge takes their pointers into the young generation as
 * roots, so each request's younger objects were copied and then promoted as well: 1.7-2.5 KB of
 * a request moved into the old generation at 500-1,000 req/s, against 26-94 bytes for a bare
 * node:http + undici proxy. With pretenuring off the node promotes 140-380 bytes a request, its
 * scavenges pause about half as long, and it used less CPU a request in 12 of 16 paired rounds
 * (bench/profile-notes.md, "After the seventeenth run"). The flag cannot go in NODE_OPTIONS
 * (Node refuses V8 options there that it does not list), so the node sets it itself, wherever it
 * is started from.
 */
setFlagsFromString('--no-allocation-site-pretenuring');
