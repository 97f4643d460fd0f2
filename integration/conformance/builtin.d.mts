// Types of builtin.mjs, for the integration tests and operator.mjs's readers.
import type { AapProvider, AapClientOptions, AapProviderOptions } from "@provisionkit/provider-aap";
import type { EdaProvider, EdaProviderOptions } from "@provisionkit/provider-eda";
import type {
  AapBackendEndpoint,
  ConformanceBackend,
  EdaBackendEndpoint,
} from "@provisionkit/testing";

/** Options of {@link aapProvider}. */
export interface AapProviderExtras extends Partial<Omit<AapProviderOptions, "client">> {
  /** Leave the scenario's clock out (the provider runs on `Date.now`). */
  realTime?: boolean;
  /** More client options. */
  client?: Partial<AapClientOptions>;
}
/** An AapProvider on an AAP simulator endpoint. */
export declare function aapProvider(
  endpoint: Omit<AapBackendEndpoint, "now"> & { now?: () => number },
  extras?: AapProviderExtras,
): AapProvider;

/** Options of {@link edaProvider}. */
export interface EdaProviderExtras extends Partial<Omit<EdaProviderOptions, "aap">> {
  /** AAP mode, on an AapProvider for the simulator's AAP. */
  aapMode?: boolean;
  /** More client options of that AapProvider. */
  aapClient?: Partial<AapClientOptions>;
  /** Leave the scenario's clock out (the provider runs on `Date.now`). */
  realTime?: boolean;
}
/** An EdaProvider on an EDA simulator endpoint. */
export declare function edaProvider(
  endpoint: EdaBackendEndpoint,
  extras?: EdaProviderExtras,
): EdaProvider;

/** The built-in provider configurations, one conformance subject each. */
declare const subjects: { subject: string; backend: () => ConformanceBackend }[];
export default subjects;
