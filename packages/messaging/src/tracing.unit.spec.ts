import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  createTracing,
  formatTraceparent,
  newTraceContext,
  parseTraceparent,
  passThroughTracing,
  TraceHeaders,
} from './tracing.js';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TP = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

describe('traceparent', () => {
  it('parses and formats a W3C traceparent losslessly', () => {
    const sc = parseTraceparent(PARENT);
    expect(sc).toMatchObject({
      traceId: TRACE_ID,
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
    expect(formatTraceparent(sc!)).toBe(PARENT);
  });

  it.each([
    ['missing', undefined],
    ['garbage', 'not-a-trace'],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['forbidden version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['version 00 with a suffix', `${PARENT}-extra`],
  ])('rejects a %s header (the record then starts a new trace)', (_label, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });
});

describe('newTraceContext', () => {
  it('gives every root its own valid ids, across refills of its random pool', () => {
    const roots = Array.from({ length: 1_000 }, () => newTraceContext());
    for (const sc of roots) {
      expect(formatTraceparent(sc)).toMatch(TP);
      expect(parseTraceparent(formatTraceparent(sc))).toMatchObject({
        traceId: sc.traceId,
        spanId: sc.spanId,
      });
    }
    expect(new Set(roots.map((sc) => sc.traceId)).size).toBe(roots.length);
    expect(new Set(roots.map((sc) => sc.spanId)).size).toBe(roots.length);
    // Trace and span ids are different bytes of the pool, not overlapping slices of one another.
    expect(roots.some((sc) => sc.traceId.includes(sc.spanId))).toBe(false);
  });
});

describe.each([
  ['the API without an SDK', createTracing()],
  ['the pass-through (the default when OTEL_EXPORTER_OTLP_ENDPOINT is unset)', passThroughTracing()],
])('%s', (_name, tracing) => {
  it('passes the incoming traceparent and tracestate through unchanged', async () => {
    const incoming = { [TraceHeaders.traceparent]: PARENT, [TraceHeaders.tracestate]: 'vendor=abc' };
    const out = await tracing.consume('order process X', incoming, {}, (span) =>
      Promise.resolve(span.outgoing),
    );
    expect(out).toEqual({ traceparent: PARENT, tracestate: 'vendor=abc' });
  });

  it('starts a trace when the record has none, and the same one for every event of that step', async () => {
    const out = await tracing.consume('order process X', {}, {}, (span) => Promise.resolve(span));
    const [, traceId] = TP.exec(out.outgoing.traceparent!)!;
    expect(out.traceId).toBe(traceId);
  });

  it('lets a producer continue the caller trace (HTTP) or start one', async () => {
    expect(
      await tracing.produce('p', { traceparent: PARENT }, {}, (h) => Promise.resolve(h.traceparent)),
    ).toBe(PARENT);
    expect(await tracing.produce('p', {}, {}, (h) => Promise.resolve(h.traceparent))).toMatch(TP);
  });
});

describe('with an SDK', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracing = createTracing(provider);
  afterEach(() => exporter.reset());
  afterAll(() => provider.shutdown());

  it('runs the step in a consumer span under the incoming one; what it sends names that span', async () => {
    const attrs = { orderId: 'o-1', eventId: 'e-1', attempt: 2 };
    const out = await tracing.consume(
      'payment process OrderCreated',
      { traceparent: PARENT },
      attrs,
      async (s) => Promise.resolve(s.outgoing),
    );
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({ name: 'payment process OrderCreated', kind: SpanKind.CONSUMER });
    expect(span!.attributes).toMatchObject(attrs);
    expect(span!.spanContext().traceId).toBe(TRACE_ID);
    expect(span!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(out.traceparent).toBe(formatTraceparent(span!.spanContext()));
  });

  it('marks the span failed when the step throws or reports a failure', async () => {
    await expect(
      tracing.consume('x', { traceparent: PARENT }, {}, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    await tracing.consume('y', {}, {}, (s) =>
      Promise.resolve(s.fail(new Error('declined'), 'CARD_DECLINED')),
    );
    expect(exporter.getFinishedSpans().map((s) => [s.name, s.status])).toEqual([
      ['x', { code: SpanStatusCode.ERROR, message: 'boom' }],
      ['y', { code: SpanStatusCode.ERROR, message: 'CARD_DECLINED' }],
    ]);
  });
});
