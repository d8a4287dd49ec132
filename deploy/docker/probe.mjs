// Container health probe: `node probe.mjs [/path]` exits 0 when http://127.0.0.1:$PORT/path
// answers 2xx within 2 s. The image has no curl or wget; node is already there.
const path = process.argv[2] ?? '/readyz';
const port = process.env.PORT || '8080';
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
