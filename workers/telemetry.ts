import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, ContextManager } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import type { AppConfig } from './config';

/**
 * Optional OpenTelemetry tracing through Temporal's interceptors (`@temporalio/interceptors-opentelemetry`): the
 * client's StartWorkflow/SignalWorkflow spans, the workflow's RunWorkflow/StartActivity spans (from the bundle's
 * workflow interceptors, see `workflowInterceptorModules` in bundle-options.ts) and the activities' RunActivity
 * spans, one trace per start. Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set; then spans go to
 * `<endpoint>/v1/traces` as OTLP/HTTP JSON. Every OpenTelemetry module is imported only then: unset, nothing loads.
 */
export interface Tracing {
  /** For `new Client({ interceptors })` or `connectClient({ interceptors })`: the ingress, the scripts. */
  clientInterceptors: ClientInterceptors;
  /** RunActivity spans, children of the workflow's StartActivity span (context from the activity's headers). */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** The `exporter` sink the bundle's workflow interceptors hand their spans to. */
  sinks: NonNullable<WorkerOptions['sinks']>;
  /** Exports what is pending (a Lambda invocation calls it before returning: the container may freeze after). */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Active-context tracking on AsyncLocalStorage, so a span started around a client call is the one whose context the
 * interceptor injects into the workflow's headers. It does what `@opentelemetry/context-async-hooks`'
 * AsyncLocalStorageContextManager does (not installed here; swap it in when it is).
 */
class AsyncContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  constructor(private readonly root: Context) {}
  active(): Context {
    return this.storage.getStore() ?? this.root;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(context, () => fn.call(thisArg, ...args));
  }
  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (...args: unknown[]) => this.with(context, () => (target as (...a: unknown[]) => unknown)(...args));
    return run as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

/** `key=value,…` (OTEL_EXPORTER_OTLP_HEADERS, validated by config) as a header map. */
function headersOf(text: string | undefined): Record<string, string> {
  const pairs = (text ?? '').split(',').filter(Boolean);
  return Object.fromEntries(pairs.map((pair) => pair.split('=', 2).map((s) => decodeURIComponent(s.trim()))));
}

/**
 * Starts tracing for a process (`service` names it unless OTEL_SERVICE_NAME does), or returns `undefined` when no
 * collector is configured. `spanProcessor` replaces the OTLP exporter (tests). Registers the W3C trace-context
 * propagator and the context manager globally: the interceptors inject and extract through the global API.
 */
export async function startTracing(
  config: Pick<AppConfig, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_HEADERS' | 'OTEL_SERVICE_NAME'>,
  service: string,
  opts: { spanProcessor?: SpanProcessor } = {},
): Promise<Tracing | undefined> {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint && !opts.spanProcessor) return undefined;
  const [api, core, sdk, resources, otlp, temporal] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@temporalio/interceptors-opentelemetry'),
  ]);
  const resource = new resources.Resource({ 'service.name': config.OTEL_SERVICE_NAME ?? service });
  const spanProcessor =
    opts.spanProcessor ??
    new sdk.BatchSpanProcessor(
      new otlp.OTLPTraceExporter({
        url: `${(endpoint ?? '').replace(/\/+$/, '')}/v1/traces`,
        headers: headersOf(config.OTEL_EXPORTER_OTLP_HEADERS),
      }),
    );
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  api.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  api.context.setGlobalContextManager(new AsyncContextManager(api.ROOT_CONTEXT));
  const tracer = provider.getTracer('payops');
  return {
    clientInterceptors: { workflow: [new temporal.OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    activityInterceptors: [
      (ctx) => ({
        inbound: new temporal.OpenTelemetryActivityInboundInterceptor(ctx, { tracer }),
        outbound: new temporal.OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    sinks: { exporter: temporal.makeWorkflowExporter(spanProcessor, resource) },
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      api.context.disable();
      api.propagation.disable();
    },
  };
}
