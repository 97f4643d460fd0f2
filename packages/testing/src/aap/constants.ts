/**
 * Fixed identity of the simulated controller.
 *
 * @module
 */

/** The AWX version the simulator claims (the research was done against AWX 24.x). */
export const AWX_VERSION = "24.6.1";

/** The simulated controller node's host name (`X-API-Node`, ping, `execution_node`). */
export const NODE_NAME = "awx-sim";

/** The simulated installation's UUID. */
export const INSTALL_UUID = "5a1d2c3e-0000-4000-8000-000000000001";

/** The simulated node's UUID. */
export const NODE_UUID = "5a1d2c3e-0000-4000-8000-000000000002";

/** The user every launch is attributed to. */
export const LAUNCHING_USER = { id: 1, name: "admin", type: "user" } as const;
