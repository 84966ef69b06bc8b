import { connect, type Socket } from 'node:net';

/** A raw TCP connection to a test server: the test writes the request bytes itself, as a hostile client would. */
export type RawClient = Socket & {
  /** Everything the server sent, as UTF-8, once the connection closed. */
  answer: Promise<string>;
};

/** Connects to `origin` (`http://127.0.0.1:<port>`); errors after connecting are left to `answer`. */
export async function openRawClient(origin: string): Promise<RawClient> {
  const socket = connect(Number(new URL(origin).port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.on('error', () => undefined);
  const answer = new Promise<string>((resolve) => socket.once('close', () => resolve(Buffer.concat(received).toString('utf8'))));
  return Object.assign(socket, { answer });
}
