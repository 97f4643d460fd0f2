/**
 * The size and nesting limits of a real API server, and the errors it answers when one is
 * passed. Sources are Kubernetes 1.36 (k8s.io/apiserver and k8s.io/apimachinery v0.36.3,
 * sigs.k8s.io/json) and etcd 3.5; every status code and message below was also measured on
 * the real tier (apiextensions-apiserver v0.36.4 + etcd 3.5.30, `integration/test/kube-limits.test.ts`
 * runs the same requests against both servers).
 *
 * @module
 */
import { badRequest, unknownServerError } from "./errors.js";
import { KubeStatusError } from "./status.js";
import { scanJson } from "./json.js";

/**
 * The largest request body a write (create, update, patch, delete) may carry: 3 MiB.
 * k8s.io/apiserver pkg/server/config.go:474 (`MaxRequestBodyBytes: int64(3 * 1024 * 1024)`),
 * read by pkg/endpoints/handlers/rest.go:372-389 (`limitedReadBody`: a body of limit + 1
 * bytes or more is refused; exactly the limit is read).
 */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/**
 * The deepest JSON nesting accepted, counting the outermost object as 1: 10,000.
 * sigs.k8s.io/json internal/golang/encoding/json/scanner.go:146 (`maxNestingDepth = 10000`,
 * error "exceeded max depth" at :183); also k8s.io/apimachinery pkg/util/json/json.go:40.
 * Measured: a create nested 10,000 deep is stored, 10,001 is refused (400).
 */
export const MAX_JSON_DEPTH = 10_000;

/**
 * etcd's default `--max-request-bytes`: 1.5 MiB (etcd server/embed/config.go,
 * `DefaultMaxRequestBytes = 1.5 * 1024 * 1024`). A write whose raft request is larger is
 * refused with `etcdserver: request is too large`.
 */
export const ETCD_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

/**
 * The largest gRPC message the API server's etcd client sends: 2 MiB (etcd client/v3
 * options.go, `defaultMaxCallSendMsgSize`). Larger writes fail in the client with
 * `rpc error: code = ResourceExhausted desc = trying to send message larger than max (N vs. 2097152)`.
 */
export const GRPC_MAX_SEND_BYTES = 2 * 1024 * 1024;

/**
 * The most operations a JSON patch may hold: 10,000 (k8s.io/apiserver
 * pkg/endpoints/handlers/patch.go:64 `maxJSONPatchOperations`, refused 413 at :406-410).
 */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/**
 * Bytes the etcd request adds to the stored value and its key. Calibrated on the real tier:
 * a create whose stored JSON (without `managedFields` and `resourceVersion`) was 1,572,670
 * bytes under a 49-byte key was the largest accepted (1,572,864 - 1,572,670 - 49 = 145). For
 * the gRPC message the measured overhead of a create is 125 bytes (2,097,536 reported for a
 * 2,097,368-byte value under a 43-byte key). Updates carry a few more bytes (a compare and a
 * read of the key): an unverified assumption that the same overheads are close enough (the
 * tests keep clear of the boundaries by kilobytes).
 */
const RAFT_OVERHEAD_BYTES = 145;
const GRPC_OVERHEAD_BYTES = 125;

function failure(code: number, reason: string, message: string): KubeStatusError {
  return new KubeStatusError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  });
}

/**
 * 413 RequestEntityTooLarge (k8s.io/apimachinery pkg/api/errors/errors.go:427-434:
 * `Request entity too large: <message>`, no details).
 */
export function requestEntityTooLarge(message: string): KubeStatusError {
  return failure(413, "RequestEntityTooLarge", `Request entity too large: ${message}`);
}

/** The 413 of a body over {@link MAX_REQUEST_BODY_BYTES}. */
export function bodyTooLarge(): KubeStatusError {
  return requestEntityTooLarge(`limit is ${MAX_REQUEST_BODY_BYTES}`);
}

/**
 * What the API server quotes of a body it cannot decode (k8s.io/apiserver
 * pkg/endpoints/handlers/rest.go:355-370, `summarizeData(body, 30)`): a body starting with
 * `{` as text, anything else in hex, cut at 30 bytes with ` ...`.
 */
export function summarizeBody(body: string): string {
  const bytes = Buffer.from(body, "utf8");
  if (bytes.length === 0) return "<empty>";
  const cut = bytes.length > 30;
  const head = bytes.subarray(0, 30);
  const text = bytes[0] === 0x7b ? head.toString("utf8") : head.toString("hex");
  return cut ? `${text} ...` : text;
}

/**
 * Parses the JSON body of a create or update, with the real server's limits and wording:
 * nesting over {@link MAX_JSON_DEPTH} and malformed JSON answer k8s.io/apiserver
 * pkg/endpoints/handlers/rest.go:255 (`the object provided is unrecognized (must be of type
 * Kind): couldn't get version/kind; json parse error: … (summary)`, the inner part from
 * k8s.io/apimachinery pkg/runtime/serializer/json/meta.go:56); a number a float64 cannot hold
 * answers rest.go:252 (`Kind in version "v" cannot be handled as a Kind: json: cannot unmarshal
 * number 1e400 into Go value of type float64`, measured).
 *
 * @param kind - The resource's kind (`must be of type …`).
 * @throws KubeStatusError 400.
 */
export function parseObjectBody(body: string, kind: string): unknown {
  const scan = scanJson(body, MAX_JSON_DEPTH);
  const unrecognized = (detail: string): KubeStatusError =>
    badRequest(
      `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${detail} (${summarizeBody(body)})`,
    );
  if (scan.tooDeep !== undefined) throw unrecognized("exceeded max depth");
  let parsed: unknown;
  try {
    parsed = JSON.parse(body) as unknown;
  } catch (error) {
    throw unrecognized((error as Error).message);
  }
  if (scan.overflow !== undefined) {
    const typeMeta = parsed as { apiVersion?: unknown; kind?: unknown } | null;
    const apiVersion = typeof typeMeta?.apiVersion === "string" ? typeMeta.apiVersion : "";
    const given = typeof typeMeta?.kind === "string" ? typeMeta.kind : kind;
    const version = apiVersion.slice(apiVersion.indexOf("/") + 1);
    throw badRequest(
      `${given} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: json: cannot unmarshal number ${scan.overflow} into Go value of type float64`,
    );
  }
  return parsed;
}

/**
 * The 400 of a patch nested over {@link MAX_JSON_DEPTH}, as k8s.io/apiserver
 * pkg/endpoints/handlers/patch.go:396/:423 words it (`error decoding patch: invalid character
 * '[' exceeded max depth`, measured for merge and JSON patches), or undefined when the patch
 * is shallow enough.
 */
export function patchDepthError(patch: string): KubeStatusError | undefined {
  const { tooDeep } = scanJson(patch, MAX_JSON_DEPTH);
  if (tooDeep === undefined) return undefined;
  return badRequest(`error decoding patch: invalid character '${tooDeep}' exceeded max depth`);
}

/**
 * Refuses to store an object too large for etcd, as the real server does: its etcd client
 * refuses a gRPC message over {@link GRPC_MAX_SEND_BYTES}, and etcd a request over
 * {@link ETCD_MAX_REQUEST_BYTES}; the API server answers both as a 500 without a reason
 * (measured). (The real server retries once without `managedFields`, k8s.io/apiserver
 * pkg/endpoints/handlers/create.go:209-217; the simulator keeps none, so its size is the
 * size of that retry.)
 *
 * @param valueBytes - Bytes of the stored JSON (without `resourceVersion`).
 * @param key - The etcd key, `/registry/<group>/<plural>/[<namespace>/]<name>`.
 * @throws KubeStatusError 500.
 */
export function checkStorageSize(valueBytes: number, key: string): void {
  const keyBytes = Buffer.byteLength(key);
  const grpc = valueBytes + keyBytes + GRPC_OVERHEAD_BYTES;
  if (grpc > GRPC_MAX_SEND_BYTES) {
    throw unknownServerError(
      `rpc error: code = ResourceExhausted desc = trying to send message larger than max (${grpc} vs. ${GRPC_MAX_SEND_BYTES})`,
    );
  }
  if (valueBytes + keyBytes + RAFT_OVERHEAD_BYTES > ETCD_MAX_REQUEST_BYTES)
    throw unknownServerError("etcdserver: request is too large");
}
