package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/config"
	"github.com/eksemu/eksemu/fixtures"
	"github.com/eksemu/eksemu/store"
)

// Validate checks a fixture without starting anything: it applies it to a
// throw-away in-memory store that starts as a reset does, with cfg's default
// account and its root access key (Kubernetes objects are checked for shape
// only). A fixture that validates loads on an emulator with that configuration.
func Validate(ctx context.Context, f *fixtures.Fixture, cfg config.Config) error {
	ids := awsid.NewGenerator(awsid.SeededSource(f.Seed()))
	db, err := store.Open(ctx, store.Options{Now: time.Now, IDs: ids})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.EnsureAccount(ctx, cfg.AccountID, cfg.RootAccessKeyID, cfg.RootSecretAccessKey); err != nil {
		return err
	}
	return f.Apply(ctx, fixtures.Target{DB: db, DefaultAccount: cfg.AccountID})
}

// Reset brings the emulator back to the state its fixture describes (or to an
// empty account when it has none): every cluster API server is stopped, the
// state is wiped and the fixture applied again, through the same code paths as
// the APIs. Identifiers come from a generator seeded by the fixture and each
// cluster keeps its certificates and port (even if it was deleted meanwhile),
// so the result is the same every time. The fixture file is read again, so
// edits take effect; a fixture that does not parse or validate changes nothing.
func (s *Server) Reset(ctx context.Context) error {
	var f *fixtures.Fixture
	if s.cfg.Fixtures != "" {
		var err error
		if f, err = fixtures.Load(s.cfg.Fixtures); err != nil {
			return err
		}
		if err := Validate(ctx, f, s.cfg); err != nil {
			return err
		}
	}
	s.gate.Lock()
	defer s.gate.Unlock()
	if s.kube != nil {
		s.kube.KillAll()
		if err := s.kube.WipeClusterData(); err != nil {
			return err
		}
	}
	if err := s.db.Wipe(ctx); err != nil {
		return err
	}
	if err := s.db.EnsureAccount(ctx, s.cfg.AccountID, s.cfg.RootAccessKeyID, s.cfg.RootSecretAccessKey); err != nil {
		return err
	}
	if f != nil {
		t := fixtures.Target{
			DB:             s.db.WithIDs(awsid.NewGenerator(awsid.SeededSource(f.Seed()))),
			DefaultAccount: s.cfg.AccountID, Lifecycle: s.lifecycle,
		}
		if s.kube != nil {
			t.Kube = s.kube
		}
		if err := f.Apply(ctx, t); err != nil {
			return err
		}
	}
	if s.kube != nil {
		if err := s.kube.PruneClusterDirs(ctx); err != nil {
			return err
		}
		if err := s.waitClusters(ctx); err != nil {
			return err
		}
		return s.kube.KeepIdentities(ctx)
	}
	return nil
}

// waitClusters waits until every cluster has left CREATING.
func (s *Server) waitClusters(ctx context.Context) error {
	clusters, err := s.db.AllClusters(ctx)
	if err != nil {
		return err
	}
	for _, c := range clusters {
		if _, err := s.kube.WaitActive(ctx, c.ClusterKey); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	err := s.Reset(r.Context())
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		s.logger.Error("reset failed", "error", err)
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
		return
	}
	clusters, _ := s.db.AllClusters(r.Context())
	_ = json.NewEncoder(w).Encode(map[string]any{
		"status": "reset", "fixture": s.cfg.Fixtures, "clusters": len(clusters),
		"duration": fmt.Sprint(time.Since(start).Round(time.Millisecond)),
	})
}
