// Package simclient drives provisionkit-sim (docs/simulator-protocol.md, control protocol v1)
// from Go with the standard library only: start the process and read its ready line, call
// the control API (script the next jobs, read a job and the ledger, faults, purge, the
// virtual clock, reset, shutdown), and read the kubeconfig the sim writes, so that a test
// talks to the simulated Kubernetes and AAP APIs as the operator under test does.
//
// It is what integration/sim-clients/python/provisionkit_sim.py is for Python; its test
// (sim_test.go) runs in CI through the Go tier (scripts/go/ci-tier.sh).
package simclient

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Ready is the ready line, the first line the sim prints on stdout (the fields used here).
type Ready struct {
	Event    string `json:"event"`
	Protocol string `json:"protocol"`
	Clock    string `json:"clock"`
	Control  struct {
		URL   string `json:"url"`
		Token string `json:"token"`
	} `json:"control"`
	AAP struct {
		URL    string `json:"url"`
		APIURL string `json:"apiUrl"`
		Tokens []struct {
			Token string `json:"token"`
			Scope string `json:"scope"`
		} `json:"tokens"`
	} `json:"aap"`
	Kubernetes struct {
		URL        string `json:"url"`
		Kubeconfig string `json:"kubeconfig"`
		Namespace  string `json:"namespace"`
	} `json:"kubernetes"`
}

// Error is a non-2xx answer: its status and the protocol's error body
// {"error":{"code","message","field"?}} (Body holds the raw answer).
type Error struct {
	Status int
	Code   string
	Msg    string
	Field  string
	Body   string
}

func (e *Error) Error() string {
	if e.Code == "" {
		// Not the protocol's error body (the Kubernetes API answers a Status object, say).
		body := e.Body
		if len(body) > 300 {
			body = body[:300] + "…"
		}
		return fmt.Sprintf("%d: %s", e.Status, body)
	}
	return fmt.Sprintf("%d %s: %s (field %q)", e.Status, e.Code, e.Msg, e.Field)
}

// HTTP sends one JSON request with a bearer token (none when token is "") and decodes a JSON
// answer into out (when non-nil). A non-2xx answer is an *Error.
func HTTP(client *http.Client, method, target, token string, body, out any) error {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, target, reader)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode < 200 || res.StatusCode >= 300 {
		failure := &Error{Status: res.StatusCode, Body: string(data)}
		var wrapped struct {
			Error *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Field   string `json:"field"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &wrapped) == nil && wrapped.Error != nil {
			failure.Code, failure.Msg, failure.Field = wrapped.Error.Code, wrapped.Error.Message, wrapped.Error.Field
		}
		return failure
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

// Kubeconfig is what an operator reads from the kubeconfig file: its current context's
// server, bearer token (empty when the API needs none), namespace and TLS choice.
type Kubeconfig struct {
	Server                string
	Token                 string
	Namespace             string
	InsecureSkipTLSVerify bool
}

// LoadKubeconfig reads a kubeconfig file and resolves its current context. The sim writes
// it as JSON (which is YAML too); Go's standard library has no YAML parser, so a YAML-only
// kubeconfig (a real cluster's) is refused with an error saying so.
func LoadKubeconfig(path string) (Kubeconfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Kubeconfig{}, err
	}
	var file struct {
		Clusters []struct {
			Name    string `json:"name"`
			Cluster struct {
				Server   string `json:"server"`
				Insecure bool   `json:"insecure-skip-tls-verify"`
			} `json:"cluster"`
		} `json:"clusters"`
		Users []struct {
			Name string `json:"name"`
			User struct {
				Token string `json:"token"`
			} `json:"user"`
		} `json:"users"`
		Contexts []struct {
			Name    string `json:"name"`
			Context struct {
				Cluster   string `json:"cluster"`
				User      string `json:"user"`
				Namespace string `json:"namespace"`
			} `json:"context"`
		} `json:"contexts"`
		CurrentContext string `json:"current-context"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return Kubeconfig{}, fmt.Errorf("%s: not a JSON kubeconfig (this client reads JSON only): %w", path, err)
	}
	for _, c := range file.Contexts {
		if c.Name != file.CurrentContext {
			continue
		}
		config := Kubeconfig{Namespace: c.Context.Namespace}
		if config.Namespace == "" {
			config.Namespace = "default"
		}
		for _, cluster := range file.Clusters {
			if cluster.Name == c.Context.Cluster {
				config.Server, config.InsecureSkipTLSVerify = cluster.Cluster.Server, cluster.Cluster.Insecure
			}
		}
		for _, user := range file.Users {
			if user.Name == c.Context.User {
				config.Token = user.User.Token
			}
		}
		if config.Server == "" {
			return Kubeconfig{}, fmt.Errorf("%s: context %q has no cluster server", path, c.Name)
		}
		return config, nil
	}
	return Kubeconfig{}, fmt.Errorf("%s: no context named %q (current-context)", path, file.CurrentContext)
}

// Sim is a running provisionkit-sim process.
type Sim struct {
	Ready  Ready
	cmd    *exec.Cmd
	stdout *bufio.Reader
	stderr *bytes.Buffer
	client *http.Client
	done   chan struct{}
	exit   error
}

// Start runs `name args...` (node and provisionkit-sim's bin.js with its flags) and reads
// the ready line; a process that prints none within 30 s is killed.
func Start(name string, args ...string) (*Sim, error) {
	cmd := exec.Command(name, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	reader := bufio.NewReader(out)
	lines := make(chan []byte, 1)
	go func() {
		line, _ := reader.ReadBytes('\n')
		lines <- line
	}()
	var line []byte
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("no ready line within 30 s; stderr: %s", stderr.String())
	}
	sim := &Sim{cmd: cmd, stdout: reader, stderr: stderr, client: &http.Client{Timeout: 10 * time.Second}}
	if err := json.Unmarshal(line, &sim.Ready); err != nil || sim.Ready.Event != "ready" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("not a ready line: %q (%v); stderr: %s", line, err, stderr.String())
	}
	return sim, nil
}

// Control calls the control API: method, path under control.url ("/v1/…"), a JSON body
// (nil for none) and where to decode the answer (nil to drop it).
func (s *Sim) Control(method, path string, body, out any) error {
	return HTTP(s.client, method, s.Ready.Control.URL+path, s.Ready.Control.Token, body, out)
}

// Script is how the next job(s) of a template run (POST /v1/aap/scripts' `script`).
type Script struct {
	Outcome        string `json:"outcome,omitempty"`
	PendingMs      *int   `json:"pendingMs,omitempty"`
	WaitingMs      *int   `json:"waitingMs,omitempty"`
	RunMs          *int   `json:"runMs,omitempty"`
	JobExplanation string `json:"jobExplanation,omitempty"`
}

// Ms is a helper for Script's optional durations: Script{RunMs: simclient.Ms(1000)}.
func Ms(ms int) *int { return &ms }

// ScriptNext scripts the next `times` launches of template.
func (s *Sim) ScriptNext(template string, script Script, times int) error {
	return s.Control("POST", "/v1/aap/scripts", map[string]any{"template": template, "script": script, "times": times}, nil)
}

// Job is a job of the ledger (the fields used here; the protocol's job has more).
type Job struct {
	ID           int    `json:"id"`
	Kind         string `json:"kind"`
	TemplateName string `json:"templateName"`
	ResourceKey  string `json:"resourceKey"`
	Status       string `json:"status"`
	PurgedAt     *int64 `json:"purgedAt"`
}

// Ledger is every AAP job, oldest first; of one resource ("namespace/name") unless "".
func (s *Sim) Ledger(resourceKey string) ([]Job, error) {
	path := "/v1/aap/ledger"
	if resourceKey != "" {
		path += "?resourceKey=" + url.QueryEscape(resourceKey)
	}
	var answer struct {
		Jobs []Job `json:"jobs"`
	}
	err := s.Control("GET", path, nil, &answer)
	return answer.Jobs, err
}

// Job is one job of the ledger, by id.
func (s *Sim) Job(id int) (Job, error) {
	var answer struct {
		Job Job `json:"job"`
	}
	err := s.Control("GET", "/v1/aap/jobs/"+strconv.Itoa(id), nil, &answer)
	return answer.Job, err
}

// Purge deletes a job from the AAP API (the ledger keeps it, marked purged).
func (s *Sim) Purge(id int) error {
	return s.Control("POST", "/v1/aap/jobs/"+strconv.Itoa(id)+"/purge", nil, nil)
}

// Fault is an armed fault rule, as GET /v1/faults lists it.
type Fault struct {
	ID    string `json:"id"`
	Fired int    `json:"fired"`
}

// AAPFault arms a fault rule of the AAP simulator (docs/simulator-protocol.md, Faults).
func (s *Sim) AAPFault(rule map[string]any) (Fault, error) {
	var answer struct {
		Fault Fault `json:"fault"`
	}
	err := s.Control("POST", "/v1/aap/faults", rule, &answer)
	return answer.Fault, err
}

// Faults lists every armed fault rule.
func (s *Sim) Faults() ([]Fault, error) {
	var answer struct {
		Faults []Fault `json:"faults"`
	}
	err := s.Control("GET", "/v1/faults", nil, &answer)
	return answer.Faults, err
}

// Clock is the simulators' clock now (epoch ms).
func (s *Sim) Clock() (int64, error) {
	var answer struct {
		Now int64 `json:"now"`
	}
	err := s.Control("GET", "/v1/clock", nil, &answer)
	return answer.Now, err
}

// Advance moves the virtual clock by ms and answers the new now.
func (s *Sim) Advance(ms int) (int64, error) {
	var answer struct {
		Now int64 `json:"now"`
	}
	err := s.Control("POST", "/v1/clock/advance", map[string]int{"ms": ms}, &answer)
	return answer.Now, err
}

// Reset replaces the simulators with fresh ones (empty ledger, no objects, no faults).
func (s *Sim) Reset() error {
	return s.Control("POST", "/v1/reset", nil, nil)
}

// AAP calls the simulated AAP API under its apiUrl with its first token, as an operator does.
func (s *Sim) AAP(method, path string, body, out any) error {
	return HTTP(s.client, method, s.Ready.AAP.APIURL+strings.TrimPrefix(path, "/"), s.Ready.AAP.Tokens[0].Token, body, out)
}

// Kubernetes calls the Kubernetes API as the kubeconfig says: its server and bearer token.
func (s *Sim) Kubernetes(config Kubeconfig, method, path string, body, out any) error {
	return HTTP(s.client, method, config.Server+path, config.Token, body, out)
}

// Shutdown asks the process to stop (POST /v1/shutdown) and waits up to 10 s for its exit;
// it answers the JSON lines it printed after the ready line (the last is
// {"event":"stopped",…}) and a non-nil error for a non-zero exit.
func (s *Sim) Shutdown() ([]map[string]any, error) {
	if err := s.Control("POST", "/v1/shutdown", nil, nil); err != nil {
		return nil, err
	}
	return s.wait(10 * time.Second)
}

func (s *Sim) wait(timeout time.Duration) ([]map[string]any, error) {
	rest := make(chan []byte, 1)
	go func() {
		data, _ := io.ReadAll(s.stdout)
		rest <- data
	}()
	var data []byte
	select {
	case data = <-rest:
	case <-time.After(timeout):
		s.Kill()
		return nil, fmt.Errorf("no exit within %v of the shutdown; stderr: %s", timeout, s.stderr.String())
	}
	if err := s.cmd.Wait(); err != nil {
		return nil, fmt.Errorf("%v; stderr: %s", err, s.stderr.String())
	}
	var lines []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var parsed map[string]any
		if err := json.Unmarshal(line, &parsed); err != nil {
			return lines, fmt.Errorf("not a JSON line: %q", line)
		}
		lines = append(lines, parsed)
	}
	return lines, nil
}

// Kill stops the process at once and reaps it (for a test's cleanup; a no-op once it has
// exited).
func (s *Sim) Kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}
