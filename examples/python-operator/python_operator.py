#!/usr/bin/env python3
"""A ComputeInstance operator in plain Python (standard library only), outside provisionkit.

It reconciles a namespaced custom resource the way the seed's Go operator did: a finalizer,
AAP job templates launched over REST for provisioning and teardown, the job id and the
reconciled config version recorded in the status subresource (with resourceVersion
preconditions), and a poll loop instead of a watch.

Each ``--bug`` switch brings back one bug of the seed, for the black-box conformance suite
(``provisionkit-conformance blackbox``) to catch:

* ``overlap``: on deletion, the teardown is launched while the provision job still runs
  (no cancel, no wait): E1.
* ``no-reconciled-version``: the AAP path never records the reconciled config version; the
  operator remembers what it launched in memory only, so a restart re-provisions and the
  status never says which version is applied: E3 (and E2 after a restart).
* ``endless-deletion``: the teardown's completion is never observed (it waits for the status
  ``succeeded``, EDA's word; AWX says ``successful``), so deletion is polled forever: E4.

Configuration comes from the environment (the black-box suite's contract, see README.md):
KUBECONFIG, OPERATOR_NAMESPACE, CRD_GROUP, CRD_VERSION, CRD_PLURAL, AAP_URL, AAP_TOKEN,
AAP_PROVISION_TEMPLATE, AAP_DEPROVISION_TEMPLATE, POLL_INTERVAL_MS, and OPERATOR_BUG (same as --bug).
"""

import argparse
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

FINALIZER = "demo.provisionkit.io/teardown"
BUGS = ("overlap", "no-reconciled-version", "endless-deletion")
# AWX's terminal job statuses (github:ansible/awx awx/main/models/unified_jobs.py, the status
# choices; see /work/shared/research/aap-eda-api.md): the others are new/pending/waiting/running.
TERMINAL = {"successful", "failed", "error", "canceled"}


def log(message):
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


class Http:
    """JSON over HTTP with a bearer token; returns (status, body)."""

    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, content_type="application/json"):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", content_type)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw) if raw else None
            except ValueError:
                return error.code, None


def kube_from_config(path):
    """The current context's server and token from a kubeconfig written as JSON."""
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    context = next(c["context"] for c in config["contexts"] if c["name"] == config["current-context"])
    cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
    user = next((u["user"] for u in config.get("users", []) if u["name"] == context.get("user")), {})
    return Http(cluster["server"], user.get("token")), context.get("namespace", "default")


def config_version(spec):
    """The version of a spec: a hash of its canonical JSON (this operator's own choice)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


class Operator:
    def __init__(self, bug):
        self.bug = bug
        self.kube, context_namespace = kube_from_config(os.environ["KUBECONFIG"])
        self.namespace = os.environ.get("OPERATOR_NAMESPACE", context_namespace)
        group, version = os.environ["CRD_GROUP"], os.environ["CRD_VERSION"]
        plural = os.environ["CRD_PLURAL"]
        self.api_version, self.kind = f"{group}/{version}", os.environ.get("CRD_KIND", "ComputeInstance")
        self.collection = f"/apis/{group}/{version}/namespaces/{self.namespace}/{plural}"
        self.aap = Http(os.environ["AAP_URL"], os.environ["AAP_TOKEN"])
        self.templates = {
            "provision": os.environ.get("AAP_PROVISION_TEMPLATE", "provision"),
            "deprovision": os.environ.get("AAP_DEPROVISION_TEMPLATE", "deprovision"),
        }
        self.template_ids = {}
        self.poll = int(os.environ.get("POLL_INTERVAL_MS", "100")) / 1000
        # Only the no-reconciled-version bug keeps what it launched here (lost on restart).
        self.launched = {}

    # --- AAP -------------------------------------------------------------------------------
    def template_id(self, operation):
        if operation not in self.template_ids:
            name = urllib.parse.quote(self.templates[operation])
            status, body = self.aap.call("GET", f"/api/v2/job_templates/?name={name}")
            if status != 200 or not body["results"]:
                raise RuntimeError(f"job template {self.templates[operation]!r}: HTTP {status}")
            self.template_ids[operation] = body["results"][0]["id"]
        return self.template_ids[operation]

    def launch(self, operation, obj, version=None):
        extra_vars = {
            "operation": operation,
            "resource": {"namespace": obj["metadata"]["namespace"], "name": obj["metadata"]["name"],
                         "uid": obj["metadata"].get("uid")},
            "spec": obj.get("spec", {}),
        }
        if version is not None:
            extra_vars["config_version"] = version
        path = f"/api/v2/job_templates/{self.template_id(operation)}/launch/"
        status, body = self.aap.call("POST", path, {"extra_vars": extra_vars})
        if status != 201:
            raise RuntimeError(f"launching {operation}: HTTP {status} {body}")
        log(f"{obj['metadata']['name']}: launched {operation} job {body['job']}")
        return body["job"]

    def job_status(self, job_id):
        status, body = self.aap.call("GET", f"/api/v2/jobs/{job_id}/")
        if status == 404:
            return "missing"
        if status != 200:
            raise RuntimeError(f"reading job {job_id}: HTTP {status}")
        return body["status"]

    def cancel(self, job_id):
        status, _ = self.aap.call("POST", f"/api/v2/jobs/{job_id}/cancel/")
        log(f"job {job_id}: cancel requested (HTTP {status})")

    # --- Kubernetes ------------------------------------------------------------------------
    def put(self, obj, subresource=""):
        """Replace the object (or its status) with the resourceVersion it was read with."""
        obj.setdefault("apiVersion", self.api_version)
        obj.setdefault("kind", self.kind)
        path = f"{self.collection}/{obj['metadata']['name']}{subresource}"
        status, body = self.kube.call("PUT", path, obj)
        if status == 409:
            return None  # someone wrote first: read again next round
        if status not in (200, 201):
            raise RuntimeError(f"PUT {path}: HTTP {status} {body}")
        return body

    def write_status(self, obj, **fields):
        """Set these status fields; on a conflict read the object again and retry, so that a
        launched job's id is never lost to a concurrent write (say, the user's spec change)."""
        for _ in range(10):
            obj["status"] = {**(obj.get("status") or {}), **fields}
            written = self.put(obj, "/status")
            if written is not None:
                return written
            status, obj = self.kube.call("GET", f"{self.collection}/{obj['metadata']['name']}")
            if status != 200:
                raise RuntimeError(f"reading {obj and obj['metadata']['name']}: HTTP {status}")
        raise RuntimeError("status write kept conflicting")

    # --- reconcile -------------------------------------------------------------------------
    def run(self):
        log(f"watching {self.collection} (bug: {self.bug or 'none'})")
        while True:
            status, body = self.kube.call("GET", self.collection)
            if status == 200:
                for obj in body.get("items", []):
                    try:
                        self.reconcile(obj)
                    except Exception as error:  # keep going: the next round retries
                        log(f"{obj['metadata']['name']}: {error}")
            time.sleep(self.poll)

    def reconcile(self, obj):
        if obj["metadata"].get("deletionTimestamp"):
            self.finalize(obj)
            return
        if FINALIZER not in obj["metadata"].get("finalizers", []):
            obj["metadata"].setdefault("finalizers", []).append(FINALIZER)
            self.put(obj)
            return
        status = obj.get("status", {})
        version = config_version(obj.get("spec", {}))
        generation = obj["metadata"].get("generation")
        job = status.get("provisionJob")
        if job and job["state"] not in TERMINAL:
            state = self.job_status(job["id"])
            if state == job["state"]:
                return
            job = {**job, "state": state}
            fields = {"provisionJob": job}
            if state == "successful":
                if self.bug != "no-reconciled-version":
                    fields["reconciledConfigVersion"] = job["configVersion"]
                ready = job["configVersion"] == version
                fields["phase"] = "Ready" if ready else "Provisioning"
                fields["conditions"] = [ready_condition(ready, generation)]
            elif state in TERMINAL:
                fields["phase"] = "Failed"
                fields["failures"] = status.get("failures", 0) + 1
                fields["retryAt"] = time.time() + 0.2 * 2 ** min(fields["failures"], 5)
            self.write_status(obj, **fields)
            return
        if job and job["state"] not in TERMINAL:
            return
        if self.bug == "no-reconciled-version":
            applied = self.launched.get(obj["metadata"]["uid"])
        else:
            applied = status.get("reconciledConfigVersion")
        if applied == version:
            if status.get("desiredConfigVersion") != version or status.get("observedGeneration") != generation:
                self.write_status(obj, desiredConfigVersion=version, observedGeneration=generation)
            return
        if time.time() < status.get("retryAt", 0):
            return
        job_id = self.launch("provision", obj, version)
        self.launched[obj["metadata"]["uid"]] = version
        self.write_status(
            obj,
            provisionJob={"id": job_id, "state": "pending", "configVersion": version},
            desiredConfigVersion=version,
            observedGeneration=generation,
            phase="Provisioning",
            conditions=[ready_condition(False, generation)],
        )

    def finalize(self, obj):
        if FINALIZER not in obj["metadata"].get("finalizers", []):
            return
        status = obj.get("status", {})
        provision = status.get("provisionJob")
        teardown = status.get("deprovisionJob")
        if teardown is None:
            if time.time() < status.get("retryAt", 0):
                return
            if provision is None:
                self.release(obj)  # nothing was ever launched: nothing to tear down
                return
            if provision["state"] not in TERMINAL and self.bug != "overlap":
                state = self.job_status(provision["id"])
                if state not in TERMINAL:
                    if not provision.get("cancelRequested"):
                        self.cancel(provision["id"])
                        self.write_status(obj, provisionJob={**provision, "cancelRequested": True})
                    return  # wait until the provision job has ended
                self.write_status(obj, provisionJob={**provision, "state": state})
                return
            job_id = self.launch("deprovision", obj)
            self.write_status(obj, deprovisionJob={"id": job_id, "state": "pending"}, phase="Deprovisioning")
            return
        state = self.job_status(teardown["id"])
        done = "succeeded" if self.bug == "endless-deletion" else "successful"
        if state == done:
            self.release(obj)
        elif state in TERMINAL and state != "successful":
            # A failed teardown may have left something behind: keep the finalizer, say so,
            # and launch the teardown again.
            failures = status.get("failures", 0) + 1
            conditions = [{"type": "DeletionBlocked", "status": "True", "reason": "DeprovisionFailed",
                           "message": f"deprovision job {teardown['id']} ended {state}"}]
            self.write_status(obj, deprovisionJob=None, phase="DeletionBlocked", conditions=conditions,
                              failures=failures, retryAt=time.time() + 0.2 * 2 ** min(failures, 5))

    def release(self, obj):
        obj["metadata"]["finalizers"] = [f for f in obj["metadata"]["finalizers"] if f != FINALIZER]
        if self.put(obj) is not None:
            log(f"{obj['metadata']['name']}: finalizer released")


def ready_condition(ready, generation):
    return {"type": "Ready", "status": "True" if ready else "False",
            "reason": "Provisioned" if ready else "Provisioning", "observedGeneration": generation}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bug", choices=BUGS, default=os.environ.get("OPERATOR_BUG") or None)
    Operator(parser.parse_args().bug).run()


if __name__ == "__main__":
    sys.exit(main())
