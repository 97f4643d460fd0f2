package simclient

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// What an operator author's Go test does with the standalone simulators, as
// integration/test/sim-go-client.test.ts runs it: a custom resource created through the
// Kubernetes API, a scripted AAP job launched for it through the AAP API, virtual time moved
// on, the operator's status write with its resourceVersion, the ledger, an error answer, and
// a shutdown. PROVISIONKIT_SIM_BIN is the path of provisionkit-sim's bin.js.
func TestOperatorAuthorsFlow(t *testing.T) {
	bin := os.Getenv("PROVISIONKIT_SIM_BIN")
	if bin == "" {
		t.Fatal("PROVISIONKIT_SIM_BIN is not set: the path of @provisionkit/testing's dist/sim-server/bin.js")
	}
	sim, err := Start("node", bin, "--clock", "virtual",
		"--job-template", "create-thing", "--crd", "example.com/v1/things/Thing")
	if err != nil {
		t.Fatal(err)
	}
	if sim.Ready.Protocol != "v1" || sim.Ready.Clock != "virtual" {
		t.Fatalf("ready line: protocol %q, clock %q", sim.Ready.Protocol, sim.Ready.Clock)
	}
	ns := sim.Ready.Kubernetes.Namespace
	things := "/apis/example.com/v1/namespaces/" + ns + "/things"

	// The user creates a Thing.
	var created struct {
		Metadata struct {
			Name            string `json:"name"`
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	thing := map[string]any{
		"apiVersion": "example.com/v1", "kind": "Thing",
		"metadata": map[string]any{"name": "t-1", "namespace": ns},
		"spec":     map[string]any{"size": 2},
	}
	if err := sim.Kubernetes("POST", things, thing, &created); err != nil {
		t.Fatal("create:", err)
	}

	// The next job of the template fails after 1 s of virtual time.
	script := map[string]any{"outcome": "failed", "pendingMs": 0, "waitingMs": 0, "runMs": 1000}
	if err := sim.Control("POST", "/v1/aap/scripts",
		map[string]any{"template": "create-thing", "script": script}, nil); err != nil {
		t.Fatal("script:", err)
	}

	// The operator finds the template by name and launches it for the Thing.
	var templates struct {
		Results []struct {
			ID int `json:"id"`
		} `json:"results"`
	}
	if err := sim.AAP("GET", "job_templates/?name=create-thing", nil, &templates); err != nil || len(templates.Results) != 1 {
		t.Fatalf("template lookup: %v, %d results", err, len(templates.Results))
	}
	launch := map[string]any{"extra_vars": map[string]any{"ansible_eda": map[string]any{"event": map[string]any{
		"payload": map[string]any{"apiVersion": "example.com/v1", "kind": "Thing",
			"metadata": map[string]any{"namespace": ns, "name": "t-1"}}}}}}
	var job struct {
		ID     int    `json:"id"`
		Status string `json:"status"`
	}
	path := "job_templates/" + itoa(templates.Results[0].ID) + "/launch/"
	if err := sim.AAP("POST", path, launch, &job); err != nil {
		t.Fatal("launch:", err)
	}

	// Nothing moves until the test moves the clock.
	var read struct {
		Status string `json:"status"`
	}
	if err := sim.AAP("GET", "jobs/"+itoa(job.ID)+"/", nil, &read); err != nil || read.Status != "running" {
		t.Fatalf("before the clock moved: %v, status %q", err, read.Status)
	}
	if err := sim.Advance(1000); err != nil {
		t.Fatal("advance:", err)
	}
	if err := sim.AAP("GET", "jobs/"+itoa(job.ID)+"/", nil, &read); err != nil || read.Status != "failed" {
		t.Fatalf("after 1 s: %v, status %q", err, read.Status)
	}

	// The operator writes its status through the status subresource, with the
	// resourceVersion it read; a stale one is refused with 409.
	status := map[string]any{
		"apiVersion": "example.com/v1", "kind": "Thing",
		"metadata": map[string]any{"name": "t-1", "namespace": ns, "resourceVersion": created.Metadata.ResourceVersion},
		"status":   map[string]any{"phase": "Failed", "jobId": job.ID},
	}
	if err := sim.Kubernetes("PUT", things+"/t-1/status", status, nil); err != nil {
		t.Fatal("status write:", err)
	}
	var conflict *Error
	err = sim.Kubernetes("PUT", things+"/t-1/status", status, nil)
	if !errors.As(err, &conflict) || conflict.Status != 409 {
		t.Fatalf("a stale status write: %v, want 409", err)
	}
	var stored struct {
		Status map[string]any `json:"status"`
	}
	if err := sim.Kubernetes("GET", things+"/t-1", nil, &stored); err != nil || stored.Status["phase"] != "Failed" {
		t.Fatalf("stored status: %v, %v", err, stored.Status)
	}

	// The ledger: one job for the Thing, failed.
	jobs, err := sim.Ledger(ns + "/t-1")
	if err != nil || len(jobs) != 1 || jobs[0]["status"] != "failed" {
		t.Fatalf("ledger: %v, %v", err, jobs)
	}

	// A protocol error names its code and field.
	var bad *Error
	err = sim.Control("POST", "/v1/aap/scripts", map[string]any{"template": "no-such", "script": script}, nil)
	if !errors.As(err, &bad) || bad.Status != 404 || bad.Code != "unknown-template" || bad.Field != "template" {
		t.Fatalf("unknown template: %v", err)
	}

	last, err := sim.Shutdown()
	if err != nil || !strings.Contains(last, `"stopped"`) {
		t.Fatalf("shutdown: %v, last line %q", err, last)
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(digits[n%10]) + s
	}
	return s
}
