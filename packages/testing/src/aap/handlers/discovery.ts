/**
 * Discovery documents and ping (research §1); none needs authentication.
 *
 * @module
 */
import { AWX_VERSION, INSTALL_UUID, NODE_NAME, NODE_UUID } from "../constants.js";
import { ok } from "../response.js";
import type { Handler } from "../state.js";
import { isoTime } from "../time.js";

/**
 * `GET /api/`: the platform gateway's list of service APIs, or a directly reached
 * controller's root. Fields of the gateway document beyond `apis` are unverified and left
 * out.
 */
export const apiRoot: Handler<"api-root"> = (state) =>
  state.discovery === "gateway"
    ? ok({ apis: { gateway: "/api/gateway/", controller: "/api/controller/", eda: "/api/eda/" } })
    : ok(controllerRootDocument("/api/v2/"));

/** `GET /api/controller/`: the controller root under the AAP 2.5 prefix. */
export const controllerRoot: Handler<"controller-root"> = () =>
  ok(controllerRootDocument("/api/controller/v2/"));

function controllerRootDocument(current: string): Record<string, unknown> {
  return {
    description: "AWX REST API",
    current_version: current,
    available_versions: { v2: current },
    oauth2: "/api/o/",
    custom_logo: "",
    custom_login_info: "",
    login_redirect_override: "",
  };
}

/** `GET {base}`: the v2 root, listing the endpoints the simulator serves. */
export const versionRoot: Handler<"version-root"> = (_state, { base }) =>
  ok(
    Object.fromEntries(
      [
        "ping",
        "job_templates",
        "workflow_job_templates",
        "unified_job_templates",
        "jobs",
        "workflow_jobs",
      ].map((name) => [name, `${base}${name}/`]),
    ),
  );

/** `GET {base}ping/`: one hybrid node in the `controlplane` and `default` groups. */
export const ping: Handler<"ping"> = (state) => {
  const group = (name: string) => ({ name, capacity: 100, instances: [NODE_NAME] });
  return ok({
    ha: false,
    version: AWX_VERSION,
    active_node: NODE_NAME,
    install_uuid: INSTALL_UUID,
    instances: [
      {
        node: NODE_NAME,
        node_type: "hybrid",
        uuid: NODE_UUID,
        heartbeat: isoTime(state.clock.now()),
        capacity: 100,
        version: AWX_VERSION,
      },
    ],
    instance_groups: [group("controlplane"), group("default")],
  });
};
