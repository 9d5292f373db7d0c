package kube

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/store"
)

// A cluster directory removed by DeleteCluster gets its certificates and port
// back from the kept copy when a reset re-creates the cluster.
func TestKeptIdentityRestoresCertificatesAndPort(t *testing.T) {
	root := t.TempDir()
	d, kept := clusterDir(filepath.Join(root, "UID1")), clusterDir(filepath.Join(root, ".kept", "UID1"))
	now := time.Now()
	require.NoError(t, d.ensurePKI(now, kept)) // nothing kept yet: a new CA
	require.NoError(t, d.savePort(4242))
	ca, err := d.caData()
	require.NoError(t, err)
	require.NoError(t, d.copyIdentity(kept))

	require.NoError(t, os.RemoveAll(string(d)))
	require.Zero(t, d.savedPort())
	require.NoError(t, d.ensurePKI(now, kept))
	again, err := d.caData()
	require.NoError(t, err)
	require.Equal(t, ca, again)
	require.Equal(t, 4242, d.savedPort())
	for _, name := range identityFiles {
		want, err := os.ReadFile(kept.path(name))
		require.NoError(t, err)
		got, err := os.ReadFile(d.path(name))
		require.NoError(t, err)
		require.Equal(t, want, got, name)
	}

	// Without a kept copy, a new CA.
	other := clusterDir(filepath.Join(root, "UID2"))
	require.NoError(t, other.ensurePKI(now, clusterDir(filepath.Join(root, ".kept", "UID2"))))
	fresh, err := other.caData()
	require.NoError(t, err)
	require.NotEqual(t, ca, fresh)
}

func TestFreePortPrefersTheSavedPort(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{Now: time.Now, IDs: awsid.NewGenerator(awsid.SeededSource(1))})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	s, err := New(Config{DB: db, Logger: slog.New(slog.DiscardHandler), Command: []string{"eksemu"}, ClustersDir: t.TempDir()})
	require.NoError(t, err)

	free := func() int {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := ln.Addr().(*net.TCPAddr).Port
		require.NoError(t, ln.Close())
		return port
	}
	want := free()
	got, err := s.freePort(ctx, want)
	require.NoError(t, err)
	require.Equal(t, want, got)

	// Taken by someone else: another port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	busy := ln.Addr().(*net.TCPAddr).Port
	got, err = s.freePort(ctx, busy)
	require.NoError(t, err)
	require.NotEqual(t, busy, got)

	// Outside the configured range: a port of the range.
	lo := free()
	s.cfg.PortMin, s.cfg.PortMax = lo, lo
	got, err = s.freePort(ctx, want)
	require.NoError(t, err)
	require.Equal(t, lo, got, "range %d-%d, preferred %d", lo, lo, want)
}
