package docs_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/eksemu/eksemu/emulator/emulatortest"
)

type workflow struct {
	Name string   `yaml:"name"`
	On   []string `yaml:"on"`
	Jobs map[string]struct {
		RunsOn string `yaml:"runs-on"`
		Steps  []step `yaml:"steps"`
	} `yaml:"jobs"`
}

type step struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
	If   string            `yaml:"if"`
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// TestGitHubActionsRecipe parses the documented workflow and runs its steps'
// shell scripts — every step that uses eksemu, and the assertions with the real
// aws and kubectl when they are installed (required under CI) — with the
// eksemu built from this tree on PATH. Steps that install tools are skipped.
func TestGitHubActionsRecipe(t *testing.T) {
	raw, err := os.ReadFile("github-actions.yml")
	require.NoError(t, err)
	var wf workflow
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true) // YAML 1.2: "on" is a key, not a boolean
	require.NoError(t, dec.Decode(&wf))
	require.Equal(t, []string{"push", "pull_request"}, wf.On)
	require.Len(t, wf.Jobs, 1)
	job := wf.Jobs["access"]
	require.NotEmpty(t, job.Steps)
	if testing.Short() {
		t.Skip("runs eksemu with a cluster")
	}
	bin := emulatortest.Binary(t)
	haveTools := true
	for _, tool := range []string{"aws", "kubectl", "curl", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			haveTools = false
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required under CI", tool)
			}
		}
	}
	if !haveTools {
		t.Skip("aws, kubectl, curl or bash missing")
	}
	port := freePort(t)
	home, runnerTemp := t.TempDir(), t.TempDir()
	t.Cleanup(func() {
		// The workflow starts eksemu in the background; stop it.
		_ = exec.Command("pkill", "-f", "eksemu --fixtures fixtures/examples/access-entries.yaml --data-dir "+filepath.Join(runnerTemp, "eksemu")).Run()
	})
	for _, s := range job.Steps {
		if s.Uses != "" || strings.Contains(s.Run, "go install") {
			continue // set-up steps: the test provides eksemu, aws and kubectl
		}
		script := strings.ReplaceAll(s.Run, "127.0.0.1:4750", "127.0.0.1:"+port)
		cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
		cmd.Dir = ".." // the workflow runs at the repository root
		cmd.Env = append(os.Environ(),
			"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
			"HOME="+home, "RUNNER_TEMP="+runnerTemp, "AWS_PAGER=",
			"EKSEMU_LISTEN=127.0.0.1:"+port, "EKSEMU_CLUSTER_PORTS=0",
		)
		for k, v := range s.Env {
			cmd.Env = append(cmd.Env, k+"="+strings.ReplaceAll(v, "127.0.0.1:4750", "127.0.0.1:"+port))
		}
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "step %q failed:\n%s", s.Name, out)
		t.Logf("step %q:\n%s", s.Name, out)
	}
}
