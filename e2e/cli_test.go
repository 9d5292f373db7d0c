package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eksemu/eksemu/emulator/emulatortest"
)

// debianCLI is where Debian's awscli package (CLI v2 2.9.x) installs the CLI.
const debianCLI = "/usr/bin/aws"

// modelDir holds the EKS model files the v2 CLI is taught with add-model.
const modelDir = "testdata/awsmodels/eks/2017-11-01"

// commandTimeout bounds one CLI invocation.
const commandTimeout = 2 * time.Minute

// cli is one AWS CLI installation with its own hermetic HOME.
type cli struct {
	// Major is 1 or 2.
	Major int
	// Bin is the executable.
	Bin string
	// Version is the first line of "aws --version".
	Version string
	// ServiceErrorExit is the exit code for an error returned by the service:
	// 255 for CLI v1, 254 for CLI v2.
	ServiceErrorExit int

	// Endpoint is the --endpoint-url of API commands.
	Endpoint string

	home string
}

// result is what one CLI invocation produced.
type result struct {
	Args   []string
	Stdout string
	Stderr string
	Code   int
}

// requireCLI skips the test, or fails it when CI is set, with a reason.
func requireCLI(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format+" (CI is set, so the real CLI is required)", args...)
	}
	t.Skipf(format, args...)
}

// findCLI locates the CLI of the given major version: "aws" on PATH for v1, /usr/bin/aws for v2.
// It checks "aws --version", so a v2 first on PATH does not pass for v1.
func findCLI(t *testing.T, major int) (bin, version string) {
	t.Helper()
	if major == 1 {
		p, err := exec.LookPath("aws")
		if err != nil {
			requireCLI(t, "AWS CLI v1 not found on PATH: %v", err)
		}
		bin = p
	} else {
		if _, err := os.Stat(debianCLI); err != nil {
			requireCLI(t, "AWS CLI v2 not found at %s (apt-get install awscli): %v", debianCLI, err)
		}
		bin = debianCLI
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.Env = hermeticEnv(t.TempDir(), nil)
	out, err := cmd.CombinedOutput()
	if err != nil {
		requireCLI(t, "%s --version failed: %v: %s", bin, err, out)
	}
	version = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	want := "aws-cli/1."
	if major == 2 {
		want = "aws-cli/2."
	}
	if !strings.HasPrefix(version, want) {
		requireCLI(t, "%s is %q, not an AWS CLI v%d", bin, version, major)
	}
	return bin, version
}

// newCLI prepares a CLI of the given major version with a fresh HOME. The v2
// CLI is taught the EKS access-entry model there.
func newCLI(t *testing.T, major int) *cli {
	t.Helper()
	bin, version := findCLI(t, major)
	c := &cli{Major: major, Bin: bin, Version: version, ServiceErrorExit: 255, home: t.TempDir()}
	if major == 2 {
		c.ServiceErrorExit = 254
		c.addModel(t)
	}
	t.Logf("using %s (%s), HOME=%s", bin, version, c.home)
	return c
}

// addModel runs "aws configure add-model" for EKS and copies the paginators
// next to the model, which add-model does not do (eks-api.md §7).
func (c *cli) addModel(t *testing.T) {
	t.Helper()
	abs, err := filepath.Abs(modelDir)
	if err != nil {
		t.Fatal(err)
	}
	r := c.exec(t, nil, "configure", "add-model", "--service-model", "file://"+filepath.Join(abs, "service-2.json"), "--service-name", "eks")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "" {
		t.Fatalf("aws configure add-model: exit %d\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
	}
	dst := filepath.Join(c.home, ".aws", "models", "eks", "2017-11-01")
	if _, err := os.Stat(filepath.Join(dst, "service-2.json")); err != nil {
		t.Fatalf("add-model did not write the model: %v", err)
	}
	pag, err := os.ReadFile(filepath.Join(abs, "paginators-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "paginators-1.json"), pag, 0o644); err != nil {
		t.Fatal(err)
	}
}

// hermeticEnv is the process environment without any AWS_* variable or HOME,
// plus a fresh AWS configuration under home and the given credentials.
func hermeticEnv(home string, creds *emulatortest.Credentials) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || name == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=",
	)
	if creds != nil {
		env = append(env, "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey)
		if creds.SessionToken != "" {
			env = append(env, "AWS_SESSION_TOKEN="+creds.SessionToken)
		}
	}
	return env
}

// run runs an AWS API command as creds against the emulator, in JSON output.
func (c *cli) run(t *testing.T, creds emulatortest.Credentials, args ...string) result {
	t.Helper()
	return c.exec(t, &creds, slices.Concat(args, []string{"--endpoint-url", c.Endpoint, "--output", "json"})...)
}

// exec runs the CLI with args as given.
func (c *cli) exec(t *testing.T, creds *emulatortest.Credentials, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Env = hermeticEnv(c.home, creds)
	cmd.Dir = c.home
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{Args: args, Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		r.Code = exit.ExitCode()
	default:
		t.Fatalf("aws %s: %v (stderr: %s)", strings.Join(args, " "), err, r.Stderr)
	}
	t.Logf("$ aws %s  [exit %d, %s]", strings.Join(args, " "), r.Code, time.Since(start).Round(time.Millisecond))
	return r
}

func (r result) String() string {
	return "aws " + strings.Join(r.Args, " ") + "\nexit: " + strconv.Itoa(r.Code) + "\nstdout:\n" + r.Stdout + "\nstderr:\n" + r.Stderr
}
