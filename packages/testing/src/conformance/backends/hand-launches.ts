/**
 * The extra vars of the jobs the AAP backends launch "by hand"
 * (`ConformanceBackend.launchByHand`): what a person launching a template from AWX's UI or
 * API, an older install or another tool leaves on the templates a provider launches,
 * where a provider's launch record would sit (`provisionkit`, and
 * `ansible_eda.event.payload.metadata.annotations`). None is the record of a launch an
 * engine made (one names a correlation id no engine gives, and no resource); a lookup or a
 * status read that meets one must pass it over (E5, P10) without failing on its shape.
 *
 * AWX keeps whatever JSON object a launch sends as `extra_vars` (with
 * `ask_variables_on_launch`, `awx/api/serializers.py` `JobLaunchSerializer.validate`,
 * github:ansible/awx e21dd0a0), so each shape below can reach the job list as it is. What
 * AWX serves for a job launched with no `extra_vars` at all is NOT verified here: the
 * simulator serves `"{}"` (the first entry); a server that serves `""` (the template's
 * blank default) reaches a provider as "no extra vars", which no scenario here produces.
 *
 * @module
 */

/** One job per entry; `undefined` launches with no `extra_vars` field. */
export const HAND_LAUNCH_EXTRA_VARS: readonly (Record<string, unknown> | undefined)[] =
  Object.freeze([
    undefined,
    { region: "eu-west", note: "launched by hand" },
    { provisionkit: null, ansible_eda: null },
    { provisionkit: "by hand", ansible_eda: "by hand" },
    { provisionkit: [], ansible_eda: { event: null } },
    { provisionkit: { note: "no launch here" }, ansible_eda: { event: { payload: "by hand" } } },
    {
      provisionkit: { correlation_id: 42, operation: "provision", resource: "by hand" },
      ansible_eda: { event: { payload: { metadata: null } } },
    },
    {
      provisionkit: { correlation_id: "", operation: "deprovision", resource: { uid: 7 } },
      ansible_eda: { event: { payload: { metadata: { annotations: "by hand" } } } },
    },
    { provisionkit: { correlation_id: "by-hand", operation: "provision", resource: null } },
    {
      ansible_eda: {
        event: {
          payload: {
            metadata: {
              annotations: {
                "provisionkit.io/correlation-id": "",
                "provisionkit.io/operation": "provision",
              },
              uid: 7,
            },
          },
        },
      },
    },
  ]);
