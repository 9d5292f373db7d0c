package kube

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"

	"github.com/eksemu/eksemu/store"
)

// Webhooks decide for the clusters' API servers.
type Webhooks interface {
	// ReviewToken authenticates a bearer token presented to cluster c.
	ReviewToken(ctx context.Context, c store.Cluster, token string) (authenticationv1.UserInfo, bool)
	// ReviewAccess authorizes a request RBAC had no opinion on.
	ReviewAccess(ctx context.Context, c store.Cluster, spec authorizationv1.SubjectAccessReviewSpec) authorizationv1.SubjectAccessReviewStatus
}

// startWebhooks serves /authenticate/{uid} and /authorize/{uid} over HTTPS on a
// loopback port with a certificate from a CA made for this run.
func (s *Supervisor) startWebhooks() error {
	now := s.cfg.Now()
	ca, err := newCA("eksemu-webhooks", now)
	if err != nil {
		return err
	}
	leaf, err := ca.issue(certSpec{cn: "eksemu-webhooks", server: true, ips: []net.IP{net.ParseIP("127.0.0.1")}, dns: []string{"localhost"}}, now)
	if err != nil {
		return err
	}
	keyPEM, err := leaf.keyPEM()
	if err != nil {
		return err
	}
	cert, err := tls.X509KeyPair(leaf.certPEM(), keyPEM)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.webhookLn, s.webhookCA = ln, ca.certPEM()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /authenticate/{uid}", s.authenticate)
	mux.HandleFunc("POST /authorize/{uid}", s.authorize)
	s.webhookSrv = &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go func() {
		if err := s.webhookSrv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.Logger.Error("webhook listener stopped", "error", err)
		}
	}()
	return nil
}

// caller checks the webhook bearer token of the cluster named in the path and
// loads the cluster.
func (s *Supervisor) caller(r *http.Request) (store.Cluster, error) {
	uid := r.PathValue("uid")
	s.mu.Lock()
	want := s.tokens[uid]
	s.mu.Unlock()
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return store.Cluster{}, errors.New("webhook: unknown cluster or bad token")
	}
	return s.cfg.DB.ClusterByUID(r.Context(), uid)
}

func decode(r *http.Request, v any) error {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Supervisor) authenticate(w http.ResponseWriter, r *http.Request) {
	c, err := s.caller(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var tr authenticationv1.TokenReview
	if err := decode(r, &tr); err != nil {
		http.Error(w, "bad TokenReview: "+err.Error(), http.StatusBadRequest)
		return
	}
	out := authenticationv1.TokenReview{TypeMeta: tr.TypeMeta}
	out.APIVersion, out.Kind = "authentication.k8s.io/v1", "TokenReview"
	if user, ok := s.cfg.Webhooks.ReviewToken(r.Context(), c, tr.Spec.Token); ok {
		out.Status = authenticationv1.TokenReviewStatus{Authenticated: true, User: user, Audiences: tr.Spec.Audiences}
	}
	reply(w, out)
}

func (s *Supervisor) authorize(w http.ResponseWriter, r *http.Request) {
	c, err := s.caller(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var sar authorizationv1.SubjectAccessReview
	if err := decode(r, &sar); err != nil {
		http.Error(w, "bad SubjectAccessReview: "+err.Error(), http.StatusBadRequest)
		return
	}
	out := authorizationv1.SubjectAccessReview{}
	out.APIVersion, out.Kind = "authorization.k8s.io/v1", "SubjectAccessReview"
	out.Status = s.cfg.Webhooks.ReviewAccess(r.Context(), c, sar.Spec)
	reply(w, out)
}

// ConfigMapData reads a ConfigMap of cluster c through the privileged loopback
// client. found is false when it does not exist.
func (s *Supervisor) ConfigMapData(ctx context.Context, c store.Cluster, namespace, name string) (data map[string]string, found bool, err error) {
	if c.Port == 0 {
		return nil, false, fmt.Errorf("cluster %s has no API server", c.Name)
	}
	client, err := adminHTTPClient(s.dir(c))
	if err != nil {
		return nil, false, err
	}
	u := fmt.Sprintf("https://127.0.0.1:%d/api/v1/namespaces/%s/configmaps/%s", c.Port, url.PathEscape(namespace), url.PathEscape(name))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, false, nil
	default:
		return nil, false, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&cm); err != nil {
		return nil, false, err
	}
	return cm.Data, true, nil
}
