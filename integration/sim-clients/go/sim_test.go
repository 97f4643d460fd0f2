package simclient

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// What an operator author's Go test does with the standalone simulators (run by
// integration/test/sim-go-client.test.ts; PROVISIONKIT_SIM_BIN is provisionkit-sim's
// bin.js): start the sim with a CRD and a job template, reach the Kubernetes API through the
// kubeconfig it writes, create a custom resource, script the template's next job and launch
// it through the AAP API as the operator under test would, move virtual time, write the
// status back, read the ledger, and the rest of what the Python client covers
// (integration/sim-clients/python/scenario.py): a fault, error bodies, purge, reset, shutdown.
func TestOperatorAuthorsFlow(t *testing.T) {
	bin := os.Getenv("PROVISIONKIT_SIM_BIN")
	if bin == "" {
		t.Fatal("PROVISIONKIT_SIM_BIN is not set: the path of @provisionkit/testing's dist/sim-server/bin.js")
	}
	kubeToken := randomToken(t)
	kubeconfigPath := filepath.Join(t.TempDir(), "kubeconfig")
	sim, err := Start("node", bin, "--clock", "virtual",
		"--job-template", "create-thing", "--crd", "example.com/v1/things/Thing",
		"--kube-token", kubeToken, "--kubeconfig-out", kubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Kill)
	if sim.Ready.Protocol != "v1" || sim.Ready.Clock != "virtual" || sim.Ready.Kubernetes.Kubeconfig != kubeconfigPath {
		t.Fatalf("ready line: protocol %q, clock %q, kubeconfig %q", sim.Ready.Protocol, sim.Ready.Clock, sim.Ready.Kubernetes.Kubeconfig)
	}

	// The operator's configuration: the kubeconfig the sim wrote, and the AAP API as AWX
	// serves it (/api/v2/; the ready line's apiUrl is AAP 2.5's /api/controller/v2/, served too).
	kube, err := LoadKubeconfig(sim.Ready.Kubernetes.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if kube.Server != sim.Ready.Kubernetes.URL || kube.Token != kubeToken || kube.Namespace != "default" {
		t.Fatalf("kubeconfig: %+v (ready line %+v)", kube, sim.Ready.Kubernetes)
	}
	aapAPI, aapToken := sim.Ready.AAP.URL+"/api/v2/", sim.Ready.AAP.Tokens[0].Token
	aap := func(method, path string, body, out any) error {
		return HTTP(sim.client, method, aapAPI+path, aapToken, body, out)
	}
	things := "/apis/example.com/v1/namespaces/" + kube.Namespace + "/things"
	var unauthorized *Error
	if err := HTTP(sim.client, "GET", kube.Server+things, "", nil, nil); !errors.As(err, &unauthorized) || unauthorized.Status != 401 {
		t.Fatalf("the Kubernetes API without the kubeconfig's token: %v, want 401", err)
	}

	// The user creates a Thing.
	var created struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	thing := map[string]any{
		"apiVersion": "example.com/v1", "kind": "Thing",
		"metadata": map[string]any{"name": "t-1", "namespace": kube.Namespace},
		"spec":     map[string]any{"size": 2},
	}
	if err := sim.Kubernetes(kube, "POST", things, thing, &created); err != nil || created.Metadata.ResourceVersion == "" {
		t.Fatalf("create: %v, resourceVersion %q", err, created.Metadata.ResourceVersion)
	}

	// The test scripts the template's next job: it fails after 1 s of virtual time.
	if err := sim.ScriptNext("create-thing", Script{Outcome: "failed", PendingMs: Ms(0), WaitingMs: Ms(0), RunMs: Ms(1000)}, 1); err != nil {
		t.Fatal("script:", err)
	}

	// The operator finds the template by name and launches it for the Thing.
	var templates struct {
		Results []struct {
			ID int `json:"id"`
		} `json:"results"`
	}
	if err := aap("GET", "job_templates/?name=create-thing", nil, &templates); err != nil || len(templates.Results) != 1 {
		t.Fatalf("template lookup: %v, %d results", err, len(templates.Results))
	}
	launchPath := "job_templates/" + strconv.Itoa(templates.Results[0].ID) + "/launch/"
	launch := map[string]any{"extra_vars": map[string]any{"ansible_eda": map[string]any{"event": map[string]any{
		"payload": map[string]any{"apiVersion": "example.com/v1", "kind": "Thing",
			"metadata": map[string]any{"namespace": kube.Namespace, "name": "t-1"}}}}}}
	var launched struct {
		ID int `json:"id"`
	}
	if err := aap("POST", launchPath, launch, &launched); err != nil {
		t.Fatal("launch:", err)
	}

	// Nothing moves until the test moves the clock.
	if job, err := sim.Job(launched.ID); err != nil || job.Status != "running" {
		t.Fatalf("before the clock moved: %v, status %q", err, job.Status)
	}
	before, err := sim.Clock()
	if err != nil {
		t.Fatal("clock:", err)
	}
	if now, err := sim.Advance(1000); err != nil || now != before+1000 {
		t.Fatalf("advance: %v, now %d, want %d", err, now, before+1000)
	}
	var polled struct {
		Status string `json:"status"`
	}
	if err := aap("GET", "jobs/"+strconv.Itoa(launched.ID)+"/", nil, &polled); err != nil || polled.Status != "failed" {
		t.Fatalf("the operator's poll after 1 s: %v, status %q", err, polled.Status)
	}

	// The operator writes its status through the status subresource with the
	// resourceVersion it read; the same write again is stale and refused with 409.
	status := map[string]any{
		"apiVersion": "example.com/v1", "kind": "Thing",
		"metadata": map[string]any{"name": "t-1", "namespace": kube.Namespace, "resourceVersion": created.Metadata.ResourceVersion},
		"status":   map[string]any{"phase": "Failed", "jobId": launched.ID},
	}
	if err := sim.Kubernetes(kube, "PUT", things+"/t-1/status", status, nil); err != nil {
		t.Fatal("status write:", err)
	}
	var conflict *Error
	if err := sim.Kubernetes(kube, "PUT", things+"/t-1/status", status, nil); !errors.As(err, &conflict) || conflict.Status != 409 {
		t.Fatalf("a stale status write: %v, want 409", err)
	}
	var stored struct {
		Status map[string]any `json:"status"`
	}
	if err := sim.Kubernetes(kube, "GET", things+"/t-1", nil, &stored); err != nil || stored.Status["phase"] != "Failed" {
		t.Fatalf("stored status: %v, %v", err, stored.Status)
	}

	// The ledger: one job for the Thing, the one launched, failed.
	jobs, err := sim.Ledger(kube.Namespace + "/t-1")
	if err != nil || len(jobs) != 1 || jobs[0].ID != launched.ID || jobs[0].Status != "failed" ||
		jobs[0].TemplateName != "create-thing" || jobs[0].ResourceKey != "default/t-1" {
		t.Fatalf("ledger: %v, %+v", err, jobs)
	}

	// A fault: the next launch is rate-limited, and the fault says it fired.
	fault, err := sim.AAPFault(map[string]any{"operation": "launch", "action": map[string]any{"type": "rate-limit", "retryAfterSeconds": 7}})
	if err != nil || fault.ID != "aap-1" {
		t.Fatalf("fault: %v, %+v", err, fault)
	}
	var limited *Error
	if err := aap("POST", launchPath, map[string]any{}, nil); !errors.As(err, &limited) || limited.Status != 429 {
		t.Fatalf("a launch under the rate-limit fault: %v, want 429", err)
	}
	if faults, err := sim.Faults(); err != nil || len(faults) != 1 || faults[0].ID != "aap-1" || faults[0].Fired != 1 {
		t.Fatalf("faults: %v, %+v", err, faults)
	}

	// Protocol errors name their code and field.
	var unknown *Error
	if err := sim.ScriptNext("no-such-template", Script{RunMs: Ms(1)}, 1); !errors.As(err, &unknown) ||
		unknown.Status != 404 || unknown.Code != "unknown-template" || unknown.Field != "template" {
		t.Fatalf("an unknown template: %v", err)
	}
	var badRule *Error
	if _, err := sim.AAPFault(map[string]any{"action": map[string]any{"type": "status", "status": 503}, "rate": 2}); !errors.As(err, &badRule) ||
		badRule.Status != 400 || badRule.Code != "invalid-request" || badRule.Field != "rate" {
		t.Fatalf("a fault rule with rate 2: %v", err)
	}

	// A purged job is gone from the AAP API; the ledger keeps it, marked.
	if err := sim.Purge(launched.ID); err != nil {
		t.Fatal("purge:", err)
	}
	var gone *Error
	if err := aap("GET", "jobs/"+strconv.Itoa(launched.ID)+"/", nil, nil); !errors.As(err, &gone) || gone.Status != 404 {
		t.Fatalf("a purged job over the AAP API: %v, want 404", err)
	}
	if job, err := sim.Job(launched.ID); err != nil || job.PurgedAt == nil {
		t.Fatalf("the purged job in the ledger: %v, %+v", err, job)
	}

	// Reset: no jobs, no faults, no objects; the kubeconfig and the URLs still serve.
	if err := sim.Reset(); err != nil {
		t.Fatal("reset:", err)
	}
	if jobs, err := sim.Ledger(""); err != nil || len(jobs) != 0 {
		t.Fatalf("ledger after reset: %v, %+v", err, jobs)
	}
	if faults, err := sim.Faults(); err != nil || len(faults) != 0 {
		t.Fatalf("faults after reset: %v, %+v", err, faults)
	}
	var missing *Error
	if err := sim.Kubernetes(kube, "GET", things+"/t-1", nil, nil); !errors.As(err, &missing) || missing.Status != 404 {
		t.Fatalf("the Thing after reset: %v, want 404", err)
	}
	if err := aap("POST", launchPath, map[string]any{}, &launched); err != nil {
		t.Fatal("a launch after reset:", err)
	}

	lines, err := sim.Shutdown()
	if err != nil || len(lines) == 0 || lines[len(lines)-1]["event"] != "stopped" || lines[len(lines)-1]["reason"] != "shutdown" {
		t.Fatalf("shutdown: %v, lines %v", err, lines)
	}
}

func randomToken(t *testing.T) string {
	t.Helper()
	data := make([]byte, 16)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(data)
}
