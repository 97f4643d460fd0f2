"""The scenario integration/test/sim-server.test.ts runs from Python: start provisionkit-sim,
script a job, launch it through the AAP API as a client would, read the ledger, inject a
fault and see it, advance the virtual clock, reset, shut down. Prints one JSON object of
what it observed; exits 1 on a failed expectation (with the reason on stderr).

usage: python3 scenario.py <path of provisionkit-sim's bin.js>
"""

import json
import sys

from provisionkit_sim import SimError, SimProcess, http_json


def expect(condition, what):
    if not condition:
        print(f"expectation failed: {what}", file=sys.stderr)
        sys.exit(1)


def main(bin_path):
    sim = SimProcess.start([
        "node", bin_path, "--clock", "virtual",
        "--job-template", "create-thing",
        "--crd", "example.com/v1/things/Thing",
    ])
    ready, control = sim.ready, sim.control
    observed = {"ready": sorted(ready.keys())}
    aap_api, aap_token = ready["aap"]["apiUrl"], ready["aap"]["tokens"][0]["token"]

    control.script_next("create-thing", {"outcome": "failed", "pendingMs": 0, "waitingMs": 0, "runMs": 1000})
    status, launched = http_json("POST", aap_api + "job_templates/1/launch/", aap_token,
                                 {"extra_vars": {"ansible_eda": {"event": {"payload": {
                                     "apiVersion": "example.com/v1", "kind": "Thing",
                                     "metadata": {"namespace": "default", "name": "t-1"}}}}}})
    expect(status == 201, f"launch answered {status}")
    job_id = launched["id"]
    observed["runningStatus"] = control.job(job_id)["status"]
    observed["clockAfter"] = control.advance(1000)["now"] - control.clock()["now"]
    job = control.ledger("default/t-1")[0]
    observed["ledger"] = {"id": job["id"] == job_id, "status": job["status"], "resourceKey": job["resourceKey"]}

    fault = control.aap_fault({"operation": "launch", "action": {"type": "rate-limit", "retryAfterSeconds": 7}})
    status, _ = http_json("POST", aap_api + "job_templates/1/launch/", aap_token, {})
    observed["faulted"] = {"status": status, "fired": control.faults()[0]["fired"], "id": fault["id"]}

    try:
        control.script_next("no-such-template", {"runMs": 1})
    except SimError as error:
        observed["unknownTemplate"] = {"status": error.status, "code": error.code, "field": error.field}
    try:
        control.aap_fault({"action": {"type": "status", "status": 503}, "rate": 2})
    except SimError as error:
        observed["badRule"] = {"status": error.status, "code": error.code, "field": error.field}

    control.purge(job_id)
    status, _ = http_json("GET", aap_api + f"jobs/{job_id}/", aap_token)
    observed["purgedStatus"] = status

    control.reset()
    observed["afterReset"] = {"jobs": len(control.ledger()), "faults": len(control.faults())}
    status, _ = http_json("POST", aap_api + "job_templates/1/launch/", aap_token, {})
    observed["launchAfterReset"] = status

    control.shutdown()
    code, lines = sim.wait()
    observed["exit"] = code
    observed["lastLine"] = lines[-1] if lines else None
    print(json.dumps(observed, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
