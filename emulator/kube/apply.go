package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/eksemu/eksemu/store"
)

// AdminRESTConfig is a client-go configuration that reaches cluster c as
// system:masters through the admin client certificate.
func (s *Supervisor) AdminRESTConfig(c store.Cluster) *rest.Config {
	d := s.dir(c)
	return &rest.Config{
		Host: "https://127.0.0.1:" + strconv.Itoa(c.Port),
		TLSClientConfig: rest.TLSClientConfig{
			CertFile: d.path("admin.crt"), KeyFile: d.path("admin.key"), CAFile: d.path("ca.crt"),
		},
		QPS: 50, Burst: 100, Timeout: 30 * time.Second,
	}
}

// WaitActive waits until the cluster is ACTIVE (or fails, or ctx ends).
func (s *Supervisor) WaitActive(ctx context.Context, k store.ClusterKey) (store.Cluster, error) {
	deadline := time.Now().Add(s.cfg.ReadyTimeout + 10*time.Second)
	for {
		c, err := s.cfg.DB.GetCluster(ctx, k)
		if err != nil {
			return store.Cluster{}, err
		}
		switch c.Status {
		case store.StatusActive, store.StatusUpdating:
			return c, nil
		case store.StatusFailed:
			return store.Cluster{}, fmt.Errorf("cluster %s FAILED to start (see %s)", k.Name, s.dir(c).path("apiserver.log"))
		}
		if time.Now().After(deadline) {
			return store.Cluster{}, fmt.Errorf("cluster %s still %s", k.Name, c.Status)
		}
		select {
		case <-ctx.Done():
			return store.Cluster{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Apply server-side-applies objects in cluster c as system:masters (field
// manager "eksemu"). Namespaces and CRDs go first.
func (s *Supervisor) Apply(ctx context.Context, c store.Cluster, objects []map[string]any) error {
	cfg := s.AdminRESTConfig(c)
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	ordered := append([]map[string]any(nil), objects...)
	rank := func(o map[string]any) int {
		switch o["kind"] {
		case "Namespace":
			return 0
		case "CustomResourceDefinition":
			return 1
		}
		return 2
	}
	sort.SliceStable(ordered, func(i, j int) bool { return rank(ordered[i]) < rank(ordered[j]) })
	force := true
	for _, obj := range ordered {
		u := &unstructured.Unstructured{Object: obj}
		gvk := u.GroupVersionKind()
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			mapper.Reset() // a CRD applied just before
			if mapping, err = mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
				return fmt.Errorf("%s %s: %w", gvk.Kind, u.GetName(), err)
			}
		}
		body, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		ri := dyn.Resource(mapping.Resource)
		var target dynamic.ResourceInterface = ri
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			ns := u.GetNamespace()
			if ns == "" {
				ns = "default"
			}
			target = ri.Namespace(ns)
		}
		if _, err := target.Patch(ctx, u.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: "eksemu", Force: &force}); err != nil {
			return fmt.Errorf("%s %s: %w", gvk.Kind, u.GetName(), err)
		}
	}
	return nil
}

// KillAll kills every cluster process at once (their data is about to be
// wiped, so there is nothing to shut down gracefully) after pending starts
// finish, and the processes of deleted clusters still stopping, and waits for
// those deletions to finish with their files; the supervisor stays usable
// (reset).
func (s *Supervisor) KillAll() {
	s.mu.Lock()
	procs := s.procs
	s.procs = map[string]*process{}
	s.tokens = map[string]string{}
	s.mu.Unlock()
	s.starting.Wait()
	s.mu.Lock()
	for uid, p := range s.procs { // started while we waited
		procs[uid] = p
	}
	s.procs = map[string]*process{}
	dying := make([]*process, 0, len(s.dying))
	for p := range s.dying {
		dying = append(dying, p)
	}
	s.mu.Unlock()
	for _, p := range procs {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	for _, p := range dying {
		_ = p.cmd.Process.Kill()
	}
	s.deleting.Wait()
}

// WipeClusterData removes the Kubernetes objects (kine's database) of every
// cluster directory, keeping certificates: a cluster re-created with the same
// UID keeps its CA and endpoint but starts empty.
func (s *Supervisor) WipeClusterData() error {
	entries, err := os.ReadDir(s.cfg.ClustersDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		for _, f := range []string{"state.db", "state.db-wal", "state.db-shm"} {
			if err := os.Remove(filepath.Join(s.cfg.ClustersDir, e.Name(), f)); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
}

// keptDir holds the identity KeepIdentities keeps for the cluster with uid;
// PruneClusterDirs leaves it alone (its name starts with a dot).
func (s *Supervisor) keptDir(uid string) clusterDir {
	return clusterDir(filepath.Join(s.cfg.ClustersDir, ".kept", uid))
}

// KeepIdentities keeps a copy of the certificates and port of every cluster
// the store has (after a reset: the fixture's clusters, all ACTIVE) and drops
// those of any other. A fixture cluster deleted through the API loses its
// directory; the next reset re-creates it (same UID) with the kept CA and
// endpoint.
func (s *Supervisor) KeepIdentities(ctx context.Context) error {
	clusters, err := s.cfg.DB.AllClusters(ctx)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, c := range clusters {
		keep[c.UID] = true
		if err := s.dir(c).copyIdentity(s.keptDir(c.UID)); err != nil {
			return fmt.Errorf("keeping the identity of cluster %s: %w", c.Name, err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(s.cfg.ClustersDir, ".kept"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range entries {
		if !keep[e.Name()] {
			if err := os.RemoveAll(string(s.keptDir(e.Name()))); err != nil {
				return err
			}
		}
	}
	return nil
}

// PruneClusterDirs removes the directories of clusters the store no longer has.
func (s *Supervisor) PruneClusterDirs(ctx context.Context) error {
	clusters, err := s.cfg.DB.AllClusters(ctx)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, c := range clusters {
		keep[c.UID] = true
	}
	entries, err := os.ReadDir(s.cfg.ClustersDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() && !keep[e.Name()] && !strings.HasPrefix(e.Name(), ".") {
			if err := os.RemoveAll(filepath.Join(s.cfg.ClustersDir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
