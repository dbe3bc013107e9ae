import { Observable, ResponseContext, type ConfigurationOptions, type ObservableMiddleware } from '@kubernetes/client-node';

/** What client-node is handed in place of a list the caller reads itself. */
const EMPTY_LIST = '{"items":[]}';

/**
 * Response middleware for the object-parameter API (as client-node's own setHeaderOptions builds
 * it) that keeps the body's text in `sink` and hands client-node `replacement(text)` to model.
 */
function keepingText(sink: { text?: string }, replacement: (text: string, status: number) => string): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (request) => new Observable(Promise.resolve(request)),
    post: (response) =>
      new Observable(
        response.body.text().then((text) => {
          sink.text = text;
          const passed = replacement(text, response.httpStatusCode);
          return new ResponseContext(response.httpStatusCode, response.headers, { text: async () => passed, binary: async () => Buffer.from(passed) });
        }),
      ),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

/**
 * Keeps the response text exactly as the API server sent it, before client-node turns it into
 * model classes (which rename fields and drop unknown ones): evidence is hashed as received.
 */
export const capturing = (sink: { text?: string }): ConfigurationOptions => keepingText(sink, (text) => text);

/**
 * Keeps a successful list's text for the caller to read its items, and spares client-node
 * modelling them. The responder lists whole what it filters itself (every node and service
 * account, a namespace's pods and ReplicaSets); in a large cluster, modelling those items was
 * most of the handler's CPU on the first read's answers (`npm run bench`, the large-cluster
 * row). An error's body reaches client-node as sent.
 */
export const itemsUnmodelled = (sink: { text?: string }): ConfigurationOptions => keepingText(sink, (text, status) => (status >= 200 && status < 300 ? EMPTY_LIST : text));
