import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { createParser } from 'eventsource-parser';
import { isResponseTo } from '../util/json-rpc-response.ts';

/**
 * What an upstream's SSE answer to one request turned out to be: the answer alone (handed on as a
 * JSON body), or a stream to hand on whole (with every byte read so far put back in front).
 */
export type SseAnswer = { kind: 'answer'; json: string } | { kind: 'stream'; body: ReadableStream<Uint8Array> };

/** A server that keeps a request's stream open after answering is cut off after this long. */
const LINGER_MS = 30_000;

/**
 * Reads an upstream's `text/event-stream` answer to a POST that carried one JSON-RPC request until
 * its first message. If that message is the response to the request, it is the whole answer: the
 * server closes the stream after it, and whatever follows is not read. Anything else first
 * (progress, a request for sampling or elicitation) means the stream matters: it is handed on as
 * is, from its first byte, so the SDK client sees every event and its ids for resuming.
 *
 * Why: the SDK client parses each SSE answer through a chain of web streams (TextDecoderStream,
 * an SSE parser stream, pipeTo), which cost the gateway more per call than the rest of its HTTP
 * client; a JSON body is one parse.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 *   ("After the JSON-RPC response has been sent, the server SHOULD close the SSE stream.")
 */
export function readSseAnswer(res: IncomingMessage, requestId: string | number): Promise<SseAnswer> {
  return new Promise((resolve) => {
    const held: Buffer[] = [];
    const decoder = new TextDecoder();
    let decided = false;
    const decide = (answer: SseAnswer) => {
      decided = true;
      res.off('data', onData);
      res.off('end', onEnd);
      res.off('error', onError);
      res.off('close', onClose);
      resolve(answer);
    };
    const handOn = () => {
      res.pause();
      res.off('data', onData);
      if (held.length > 0) res.unshift(Buffer.concat(held));
      decide({ kind: 'stream', body: Readable.toWeb(res) as ReadableStream<Uint8Array> });
    };
    const parser = createParser({
      onEvent: (event) => {
        // The priming event (an id and empty data) only sets the resume point, and the SDK client
        // reads only events without a type or of type `message`: others are skipped, as it would.
        if (decided || event.data === '' || (event.event !== undefined && event.event !== 'message')) return;
        if (isResponseTo(event.data, requestId)) {
          decide({ kind: 'answer', json: event.data });
          discardRest(res);
        } else {
          handOn();
        }
      },
    });
    function onData(chunk: Buffer): void {
      held.push(chunk);
      try {
        parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        if (!decided) handOn();
      }
    }
    function onEnd(): void {
      if (!decided) decide({ kind: 'stream', body: replay(held) });
    }
    function onError(error: Error): void {
      if (!decided) decide({ kind: 'stream', body: replay(held, error) });
    }
    function onClose(): void {
      if (!decided) onError(new Error('the upstream closed the stream before answering'));
    }
    res.on('data', onData);
    res.once('end', onEnd);
    res.once('error', onError);
    res.once('close', onClose);
  });
}

function discardRest(res: IncomingMessage): void {
  const timer = setTimeout(() => res.destroy(), LINGER_MS);
  timer.unref();
  res.once('close', () => clearTimeout(timer));
  res.on('error', () => {});
  res.resume();
}

/** A stream that ended (or failed) before its first message: the bytes it had, then its end. */
function replay(held: Buffer[], error?: Error): ReadableStream<Uint8Array> {
  // Erroring a web stream drops what is still queued in it, and the SDK client resumes a broken
  // stream only if it saw the priming event: the error waits until the bytes have been read.
  let pending = held.length > 0 ? Buffer.concat(held) : undefined;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pending) {
          controller.enqueue(pending);
          pending = undefined;
        } else if (error) controller.error(error);
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
