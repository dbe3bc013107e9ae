// Module loader hooks (node:module register) that report every module loaded, by URL, to the
// port given at registration: which files of a bundle `import()` of its handler really reads.
let port;

export function initialize(data) {
  port = data.port;
}

export async function load(url, context, nextLoad) {
  port.postMessage(url);
  return nextLoad(url, context);
}
