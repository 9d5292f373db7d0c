package eksemu_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/emulator/emulatortest"
)

// loadCompose loads docker-compose.yml with the compose-spec library (what
// docker compose itself uses), which also validates it against the spec.
func loadCompose(t *testing.T, env map[string]string) *types.Project {
	t.Helper()
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  ".",
		ConfigFiles: []types.ConfigFile{{Filename: "docker-compose.yml"}},
		Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("eksemu", true) })
	require.NoError(t, err)
	return p
}

// composeConfig is the configuration the binary derives from the service's environment.
func composeConfig(t *testing.T, svc types.ServiceConfig) config.Config {
	t.Helper()
	cfg, err := config.Load(nil, func(k string) string {
		if v := svc.Environment[k]; v != nil {
			return *v
		}
		return ""
	})
	require.NoError(t, err)
	return cfg
}

func TestComposeFile(t *testing.T) {
	p := loadCompose(t, map[string]string{})
	svc, err := p.GetService("eksemu")
	require.NoError(t, err)
	cfg := composeConfig(t, svc)

	_, listenPort, err := net.SplitHostPort(cfg.Listen)
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0", strings.Split(cfg.Listen, ":")[0], "the AWS listener must accept connections from outside the container")
	assert.Equal(t, "0.0.0.0", cfg.ClusterBindAddress, "cluster API servers must accept connections from outside the container")

	published := map[uint32]string{}
	for _, port := range svc.Ports {
		assert.Equal(t, "127.0.0.1", port.HostIP, "ports are published on loopback only")
		published[port.Target] = port.Published
	}
	lp, _ := strconv.Atoi(listenPort)
	assert.Equal(t, listenPort, published[uint32(lp)], "the AWS port is published as itself")
	require.NotZero(t, cfg.ClusterPortMin, "compose must give clusters a fixed port range")
	for port := cfg.ClusterPortMin; port <= cfg.ClusterPortMax; port++ {
		// Endpoints say https://127.0.0.1:PORT, so each port must be published as itself.
		assert.Equal(t, strconv.Itoa(port), published[uint32(port)], "cluster port %d", port)
	}
	assert.Len(t, svc.Ports, 1+cfg.ClusterPortMax-cfg.ClusterPortMin+1, "no stray ports")

	var data, fixtures *types.ServiceVolumeConfig
	for i, v := range svc.Volumes {
		switch v.Target {
		case cfg.DataDir:
			data = &svc.Volumes[i]
		case "/fixtures":
			fixtures = &svc.Volumes[i]
		}
	}
	require.NotNil(t, data, "the data dir %s must be a volume", cfg.DataDir)
	assert.Equal(t, types.VolumeTypeVolume, data.Type)
	assert.Contains(t, p.Volumes, data.Source, "the data volume is a named volume")
	require.NotNil(t, fixtures, "fixtures are mounted at /fixtures")
	assert.True(t, fixtures.ReadOnly, "fixtures are mounted read-only")
	assert.Empty(t, cfg.Fixtures, "no fixture unless EKSEMU_FIXTURES is set")

	require.NotNil(t, svc.HealthCheck)
	assert.Equal(t, types.HealthCheckTest{"CMD", "/usr/local/bin/eksemu", "health"}, svc.HealthCheck.Test)

	t.Run("optional fixture", func(t *testing.T) {
		p := loadCompose(t, map[string]string{"EKSEMU_FIXTURES": "/fixtures/examples/access-entries.yaml"})
		svc, err := p.GetService("eksemu")
		require.NoError(t, err)
		cfg := composeConfig(t, svc)
		assert.Equal(t, "/fixtures/examples/access-entries.yaml", cfg.Fixtures)
		assert.FileExists(t, strings.Replace(cfg.Fixtures, "/fixtures", "fixtures", 1), "the fixture the compose comment names exists")
	})
}

// TestDockerfile checks the image against the compose file and the binary.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	df := string(raw)
	p := loadCompose(t, map[string]string{})
	svc, err := p.GetService("eksemu")
	require.NoError(t, err)
	cfg := composeConfig(t, svc)

	assert.Regexp(t, `(?m)^FROM .* AS build$`, df, "multi-stage build")
	assert.Contains(t, df, "CGO_ENABLED=1", "SQLite needs cgo")
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(df)
	require.NotNil(t, user, "the image sets a USER")
	assert.NotContains(t, []string{"0", "root", "0:0"}, user[1], "the image runs as non-root")
	assert.Contains(t, df, `HEALTHCHECK`)
	assert.Contains(t, df, `CMD ["/usr/local/bin/eksemu", "health"]`)
	for _, kv := range []string{
		"EKSEMU_LISTEN=" + cfg.Listen, "EKSEMU_DATA_DIR=" + cfg.DataDir,
		"EKSEMU_CLUSTER_BIND_ADDRESS=" + cfg.ClusterBindAddress,
		"EKSEMU_CLUSTER_PORTS=" + strconv.Itoa(cfg.ClusterPortMin) + "-" + strconv.Itoa(cfg.ClusterPortMax),
	} {
		assert.Contains(t, df, kv, "the image's environment matches the compose file")
	}
	_, lp, _ := net.SplitHostPort(cfg.Listen)
	assert.Regexp(t, `(?m)^EXPOSE `+lp+` `+strconv.Itoa(cfg.ClusterPortMin)+`-`+strconv.Itoa(cfg.ClusterPortMax)+`$`, df)
}

// TestHealthcheckCommand runs the image's healthcheck command, `eksemu health`,
// with the container's wildcard listen address against a running emulator.
func TestHealthcheckCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the eksemu binary")
	}
	e := emulatortest.New(t)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(e.URL, "http://"))
	require.NoError(t, err)
	bin := emulatortest.Binary(t)
	cmd := exec.Command(bin, "health")
	cmd.Env = append(os.Environ(), "EKSEMU_LISTEN=0.0.0.0:"+port)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "ok\n", string(out))

	cmd = exec.Command(bin, "health", "http://127.0.0.1:1/_eksemu/health")
	out, err = cmd.CombinedOutput()
	assert.Error(t, err, "an unreachable emulator is unhealthy: %s", out)
}
