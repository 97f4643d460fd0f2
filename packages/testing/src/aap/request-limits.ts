/**
 * What happens to a request whose handling takes long, in AWX's web container: uwsgi's
 * harakiri and nginx's read timeout in front of it, around Django's per-request
 * transaction. Verified in the sources (github:ansible/awx e21dd0a0, github:unbit/uwsgi
 * 2.0.24 as pinned by AWX's `requirements/requirements.txt:517`, github:ansible/django-ansible-base
 * b082f48a, github:ansible/awx-operator 1bc34225):
 *
 * - `awx/settings/defaults.py:30` `'ATOMIC_REQUESTS': True` (the operator's
 *   `roles/installer/templates/settings/credentials.py.j2:3` too): a request's writes, the
 *   job a launch creates included, are committed only when the view returns; a worker
 *   killed before that leaves nothing behind.
 * - `tools/ansible/roles/dockerfile/files/uwsgi.ini:13-15`: `harakiri = 115`,
 *   `harakiri-graceful-timeout = 110`, `harakiri-graceful-signal = 6` (the operator's
 *   `roles/installer/templates/configmaps/config.yaml.j2:307-309`: 120, 115, 6). uwsgi
 *   `core/master_checks.c:183-215` and `core/master_utils.c:1679-1683`: when harakiri
 *   expires, the worker first gets the graceful signal (SIGABRT) and its deadline moves
 *   `harakiri-graceful-timeout` later; only then is it sent SIGKILL.
 * - django-ansible-base `ansible_base/lib/middleware/logging/log_request.py:13-37`
 *   (`LogTracebackMiddleware`, second in AWX's `MIDDLEWARE`, `defaults.py:890`) installs a
 *   SIGABRT handler that only logs the request's stack: the request goes on after the
 *   graceful signal, so it is killed at harakiri + graceful timeout (225 s by default), not
 *   at harakiri (AWX commit 444af2b5 "catch harakiri graceful signal in middlware").
 * - `tools/docker-compose/ansible/roles/sources/templates/nginx.locations.conf.j2:42`
 *   `uwsgi_read_timeout 120s` (operator `config.yaml.j2:232`: 125 s): nginx answers
 *   504 Gateway Time-out when uwsgi sends nothing for that long, and the worker goes on
 *   with a request nobody reads the answer of; a worker killed before that is an upstream
 *   that closed the connection: 502 Bad Gateway.
 * - Before those commits (AWX 24.6.1 and older, the operator before f50c0294) uwsgi had no
 *   harakiri at all: `harakiriMs: Infinity`.
 *
 * @module
 */

/** The limits with every default applied. */
export interface RequestLimits {
  /** uwsgi `harakiri`, ms (`Infinity`: none). */
  readonly harakiriMs: number;
  /** uwsgi `harakiri-graceful-timeout`, ms (0: SIGKILL at harakiri). */
  readonly harakiriGracefulMs: number;
  /** nginx `uwsgi_read_timeout`, ms (`Infinity`: none). */
  readonly proxyReadTimeoutMs: number;
}

/** AWX's defaults: `uwsgi.ini:13-14` and `nginx.locations.conf.j2:42`. */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  harakiriMs: 115_000,
  harakiriGracefulMs: 110_000,
  proxyReadTimeoutMs: 120_000,
};

/** What a request that takes `handlingMs` to handle amounts to, relative to its arrival. */
export interface RequestPlan {
  /** When the request is carried out (its writes committed); undefined when it never is. */
  readonly doneAfterMs: number | undefined;
  /** When the worker is killed first (the request is rolled back); undefined when not. */
  readonly killedAfterMs: number | undefined;
  /** When nginx answers 504 because the worker is still busy; undefined when it does not. */
  readonly proxyTimeoutAfterMs: number | undefined;
}

/**
 * Applies the limits to a request that takes `handlingMs`.
 *
 * @throws RangeError for a negative or non-numeric limit.
 */
export function planRequest(limits: RequestLimits, handlingMs: number): RequestPlan {
  const killAt =
    limits.harakiriMs === Infinity ? Infinity : limits.harakiriMs + limits.harakiriGracefulMs;
  // uwsgi kills once its clock reaches the deadline (`harakiri > current_time` spares it).
  const killed = handlingMs >= killAt;
  const answerAt = killed ? killAt : handlingMs;
  return {
    doneAfterMs: killed ? undefined : handlingMs,
    killedAfterMs: killed ? killAt : undefined,
    proxyTimeoutAfterMs:
      answerAt > limits.proxyReadTimeoutMs ? limits.proxyReadTimeoutMs : undefined,
  };
}

/**
 * Checks and completes the limit options.
 *
 * @throws RangeError for a limit that is not a number >= 0 (`Infinity` allowed except for
 *   the graceful timeout).
 */
export function requestLimits(options: {
  readonly [K in keyof RequestLimits]?: number | undefined;
}): RequestLimits {
  const limits: { -readonly [K in keyof RequestLimits]: number } = { ...DEFAULT_REQUEST_LIMITS };
  for (const key of Object.keys(DEFAULT_REQUEST_LIMITS) as (keyof RequestLimits)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const finiteNeeded = key === "harakiriGracefulMs";
    if (!(value >= 0) || (finiteNeeded && !Number.isFinite(value))) {
      throw new RangeError(`${key} must be a number >= 0, got ${value}`);
    }
    limits[key] = value;
  }
  return limits;
}

/** nginx's own error page for a status (`ngx_http_special_response.c`), as it sends it. */
export function nginxErrorPage(status: 502 | 504): string {
  const title = status === 502 ? "502 Bad Gateway" : "504 Gateway Time-out";
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}
