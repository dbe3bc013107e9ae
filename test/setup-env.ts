// Quiet test output: the responder's logs are asserted through reports, not read from the console.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// The SDK warns that releases after January 2027 need Node 22; the machine runs Node 20 (see README).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Metrics are EMF lines on standard output; test/shared/metrics.test.ts turns them back on to read them.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
