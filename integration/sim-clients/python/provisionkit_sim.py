"""A client of provisionkit-sim's control API (protocol v1), standard library only.

    sim = SimProcess.start(["node", "packages/testing/dist/sim-server/bin.js", "--job-template", "provision"])
    sim.control.script_next("provision", {"outcome": "failed", "runMs": 100})
    ...
    sim.control.shutdown(); sim.wait()

See docs/simulator-protocol.md for every endpoint.
"""

import json
import subprocess
import urllib.error
import urllib.request


class SimError(Exception):
    """A control API error: its HTTP status and the typed body {"error": {code, message, field?}}."""

    def __init__(self, status, body):
        error = body.get("error", {}) if isinstance(body, dict) else {}
        super().__init__(f"{status} {error.get('code')}: {error.get('message')}")
        self.status = status
        self.code = error.get("code")
        self.field = error.get("field")
        self.body = body


def http_json(method, url, token=None, body=None, timeout=10):
    """One JSON request; returns (status, parsed body). Never raises on an HTTP status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text


class Control:
    """The control API at `url` with its bearer `token`."""

    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None):
        status, answer = http_json(method, self.url + path, self.token, body)
        if status >= 400:
            raise SimError(status, answer)
        return answer

    def info(self):
        return self.call("GET", "/v1")

    def script_next(self, template, script, times=1):
        return self.call("POST", "/v1/aap/scripts", {"template": template, "script": script, "times": times})

    def ledger(self, resource_key=None):
        query = "" if resource_key is None else "?resourceKey=" + urllib.request.quote(resource_key)
        return self.call("GET", "/v1/aap/ledger" + query)["jobs"]

    def job(self, job_id):
        return self.call("GET", f"/v1/aap/jobs/{job_id}")["job"]

    def finish(self, job_id, outcome):
        return self.call("POST", f"/v1/aap/jobs/{job_id}/finish", {"outcome": outcome})["job"]

    def purge(self, job_id):
        return self.call("POST", f"/v1/aap/jobs/{job_id}/purge")["job"]

    def aap_fault(self, rule):
        return self.call("POST", "/v1/aap/faults", rule)["fault"]

    def kubernetes_fault(self, rule):
        return self.call("POST", "/v1/kubernetes/faults", rule)["fault"]

    def faults(self):
        return self.call("GET", "/v1/faults")["faults"]

    def remove_fault(self, fault_id):
        return self.call("DELETE", f"/v1/faults/{fault_id}")["fault"]

    def clock(self):
        return self.call("GET", "/v1/clock")

    def advance(self, ms):
        return self.call("POST", "/v1/clock/advance", {"ms": ms})

    def reset(self):
        return self.call("POST", "/v1/reset")

    def shutdown(self):
        return self.call("POST", "/v1/shutdown")


class SimProcess:
    """A provisionkit-sim child process, started and read until its ready line."""

    def __init__(self, process, ready):
        self.process = process
        self.ready = ready
        self.control = Control(ready["control"]["url"], ready["control"]["token"])

    @classmethod
    def start(cls, command):
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = process.stdout.readline()
        if not line:
            error = process.stderr.read()
            process.wait()
            raise RuntimeError(f"provisionkit-sim exited {process.returncode}: {error.strip()}")
        ready = json.loads(line)
        if ready.get("event") != "ready":
            raise RuntimeError(f"unexpected first line: {line!r}")
        return cls(process, ready)

    def wait(self, timeout=10):
        """Waits for the exit; returns (exit code, the remaining stdout lines parsed)."""
        out, _err = self.process.communicate(timeout=timeout)
        return self.process.returncode, [json.loads(l) for l in out.splitlines() if l.strip()]
