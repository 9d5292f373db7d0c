package config

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil, env(nil))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:4750", c.Listen)
	assert.Equal(t, "./.eksemu", c.DataDir)
	assert.Equal(t, "111122223333", c.AccountID)
	assert.Equal(t, "AKIAIOSFODNN7EXAMPLE", c.RootAccessKeyID)
	assert.Equal(t, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", c.RootSecretAccessKey)
	assert.Equal(t, 3*time.Second, c.UpdateDelay)
	assert.True(t, c.Kubernetes)
	assert.False(t, c.InMemory)
	assert.Equal(t, [2]int{4751, 4850}, [2]int{c.ClusterPortMin, c.ClusterPortMax})
	assert.Equal(t, "127.0.0.1", c.ClusterBindAddress)
	assert.Equal(t, slog.LevelInfo, c.LogLevel)
	assert.NotNil(t, c.Now)
	assert.NotNil(t, c.Random)
}

func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c Config)
		err   string
	}{
		{name: "environment", env: map[string]string{"EKSEMU_LISTEN": "0.0.0.0:9000", "EKSEMU_DATA_DIR": "/data", "EKSEMU_IN_MEMORY": "true",
			"EKSEMU_ACCOUNT_ID": "444455556666", "EKSEMU_FIXTURES": "f.yaml", "EKSEMU_KUBERNETES": "false", "EKSEMU_CLUSTER_PORTS": "5000-5009",
			"EKSEMU_UPDATE_DELAY": "90s", "EKSEMU_LOG_LEVEL": "debug", "EKSEMU_CLUSTER_BIND_ADDRESS": "0.0.0.0"},
			check: func(t *testing.T, c Config) {
				assert.Equal(t, "0.0.0.0:9000", c.Listen)
				assert.Equal(t, "/data", c.DataDir)
				assert.True(t, c.InMemory)
				assert.False(t, c.Kubernetes)
				assert.Equal(t, "444455556666", c.AccountID)
				assert.Equal(t, "f.yaml", c.Fixtures)
				assert.Equal(t, [2]int{5000, 5009}, [2]int{c.ClusterPortMin, c.ClusterPortMax})
				assert.Equal(t, 90*time.Second, c.UpdateDelay)
				assert.Equal(t, slog.LevelDebug, c.LogLevel)
				assert.Equal(t, "0.0.0.0", c.ClusterBindAddress)
			}},
		{name: "flag beats environment", args: []string{"--listen", "127.0.0.1:1", "--in-memory=false", "--cluster-ports", "0"},
			env: map[string]string{"EKSEMU_LISTEN": "0.0.0.0:9000", "EKSEMU_IN_MEMORY": "1"},
			check: func(t *testing.T, c Config) {
				assert.Equal(t, "127.0.0.1:1", c.Listen)
				assert.False(t, c.InMemory)
				assert.Zero(t, c.ClusterPortMin)
			}},
		{name: "bad account", args: []string{"--account-id", "12345"}, err: `account-id: "12345" is not a 12-digit AWS account ID`},
		{name: "bad boolean", env: map[string]string{"EKSEMU_IN_MEMORY": "maybe"}, err: `EKSEMU_IN_MEMORY: "maybe" is not a boolean`},
		{name: "bad delay", args: []string{"--update-delay", "-1s"}, err: `update-delay: "-1s" is not a non-negative duration`},
		{name: "bad port range", args: []string{"--cluster-ports", "9-1"}, err: `cluster-ports: "9-1" is not a port range like 4751-4850`},
		{name: "empty root key", args: []string{"--root-access-key-id", ""}, err: "root-access-key-id and root-secret-access-key must not be empty"},
		{name: "stray argument", args: []string{"extra"}, err: `unexpected argument "extra"`},
		{name: "unknown flag", args: []string{"--nope"}, err: "flag provided but not defined: -nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.args, env(tc.env))
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestHelp(t *testing.T) {
	_, err := Load([]string{"-h"}, env(nil))
	var help ErrHelp
	require.ErrorAs(t, err, &help)
	for _, flag := range []string{"-listen", "-data-dir", "-fixtures", "-in-memory", "-kubernetes", "-cluster-ports", "EKSEMU_LISTEN"} {
		assert.Contains(t, help.Usage, flag)
	}
}
