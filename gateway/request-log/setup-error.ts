/**
 * A reason the request log cannot use its database that no retry will fix (wrong encoding, too
 * old a server, a schema from a newer node). The message says what to do; the node refuses to
 * start with it. Connection failures are not this: they are retried in the background.
 */
export class RequestLogSetupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RequestLogSetupError';
  }
}
