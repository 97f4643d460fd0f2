// Package simclient drives provisionkit-sim (docs/simulator-protocol.md, control protocol v1)
// from Go with the standard library only: start the process, read its ready line, call the
// control API, and talk to the simulated AAP and Kubernetes APIs as an operator would.
package simclient

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"time"
)

// Ready is the ready line: where everything is (the fields this client uses).
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
		Token      string `json:"token"`
	} `json:"kubernetes"`
}

// Sim is a running provisionkit-sim process.
type Sim struct {
	Ready  Ready
	cmd    *exec.Cmd
	stdout *bufio.Reader
	client *http.Client
}

// Error is a non-2xx answer: its status and the protocol's error body.
type Error struct {
	Status int
	Code   string `json:"code"`
	Msg    string `json:"message"`
	Field  string `json:"field"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s (field %q)", e.Status, e.Code, e.Msg, e.Field)
}

// Start runs `name args...` (node and provisionkit-sim's bin with its flags) and reads the
// ready line; a process that prints no ready line within 30 s is killed.
func Start(name string, args ...string) (*Sim, error) {
	cmd := exec.Command(name, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
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
		return nil, fmt.Errorf("no ready line within 30 s; stderr: %s", stderr.String())
	}
	sim := &Sim{cmd: cmd, stdout: reader, client: &http.Client{Timeout: 10 * time.Second}}
	if err := json.Unmarshal(line, &sim.Ready); err != nil || sim.Ready.Event != "ready" {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("not a ready line: %q (%v); stderr: %s", line, err, stderr.String())
	}
	return sim, nil
}

// Do sends a JSON request with a bearer token and decodes a JSON answer into out (when
// non-nil). A non-2xx answer is an *Error.
func (s *Sim) Do(method, target, token string, body, out any) error {
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
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		failure := &Error{Status: res.StatusCode}
		var wrapped struct {
			Error *Error `json:"error"`
		}
		if json.Unmarshal(data, &wrapped) == nil && wrapped.Error != nil {
			failure.Code, failure.Msg, failure.Field = wrapped.Error.Code, wrapped.Error.Msg, wrapped.Error.Field
		} else {
			failure.Msg = string(data)
		}
		return failure
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

// Control calls the control API: `POST /v1/aap/scripts` and the rest (method, path, body).
func (s *Sim) Control(method, path string, body, out any) error {
	return s.Do(method, s.Ready.Control.URL+path, s.Ready.Control.Token, body, out)
}

// AAP calls the simulated AAP API under its apiUrl with its first token.
func (s *Sim) AAP(method, path string, body, out any) error {
	return s.Do(method, s.Ready.AAP.APIURL+path, s.Ready.AAP.Tokens[0].Token, body, out)
}

// Kubernetes calls the simulated Kubernetes API (its token, when it requires one).
func (s *Sim) Kubernetes(method, path string, body, out any) error {
	return s.Do(method, s.Ready.Kubernetes.URL+path, s.Ready.Kubernetes.Token, body, out)
}

// Ledger is every AAP job of a resource ("namespace/name"), oldest first.
func (s *Sim) Ledger(resourceKey string) ([]map[string]any, error) {
	var answer struct {
		Jobs []map[string]any `json:"jobs"`
	}
	err := s.Control("GET", "/v1/aap/ledger?resourceKey="+url.QueryEscape(resourceKey), nil, &answer)
	return answer.Jobs, err
}

// Advance moves the virtual clock by ms.
func (s *Sim) Advance(ms int) error {
	return s.Control("POST", "/v1/clock/advance", map[string]int{"ms": ms}, nil)
}

// Shutdown asks the process to stop and waits for it; it answers the last stdout line.
func (s *Sim) Shutdown() (string, error) {
	if err := s.Control("POST", "/v1/shutdown", nil, nil); err != nil {
		return "", err
	}
	rest, _ := io.ReadAll(s.stdout)
	if err := s.cmd.Wait(); err != nil {
		return string(rest), err
	}
	return string(bytes.TrimSpace(rest)), nil
}
