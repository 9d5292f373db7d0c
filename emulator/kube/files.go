package kube

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clusterDir is one cluster's directory.
type clusterDir string

func (d clusterDir) path(name string) string { return filepath.Join(string(d), name) }

// ensurePKI creates the cluster's CA, serving and admin certificates and the
// service-account key the first time; later calls keep them, so the CA (and
// every kubeconfig written from it) survives restarts. A cluster whose
// identity was kept (see Supervisor.KeepIdentities) gets it back from kept.
func (d clusterDir) ensurePKI(now time.Time, kept clusterDir) error {
	if _, err := os.Stat(d.path("ca.crt")); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if _, err := os.Stat(kept.path("ca.crt")); err == nil {
		return kept.copyIdentity(d)
	}
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return err
	}
	ca, err := newCA("kubernetes", now)
	if err != nil {
		return err
	}
	serving, err := ca.issue(certSpec{
		cn: "kube-apiserver", server: true,
		dns: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		ips: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.100.0.1")},
	}, now)
	if err != nil {
		return err
	}
	admin, err := ca.issue(certSpec{cn: "eksemu:admin", orgs: []string{"system:masters"}}, now)
	if err != nil {
		return err
	}
	sa, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	saDER, err := x509.MarshalECPrivateKey(sa)
	if err != nil {
		return err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&sa.PublicKey)
	if err != nil {
		return err
	}
	if err := serving.write(d.path("apiserver.crt"), d.path("apiserver.key")); err != nil {
		return err
	}
	if err := admin.write(d.path("admin.crt"), d.path("admin.key")); err != nil {
		return err
	}
	if err := os.WriteFile(d.path("sa.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: saDER}), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(d.path("sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}), 0o644); err != nil {
		return err
	}
	// ca.crt last: its presence marks the PKI as complete.
	return ca.write(d.path("ca.crt"), d.path("ca.key"))
}

// identityFiles make a cluster's identity: its certificates and keys and its
// port; ca.crt last, as its presence marks a complete PKI.
var identityFiles = []string{"apiserver.crt", "apiserver.key", "admin.crt", "admin.key", "sa.key", "sa.pub", "port", "ca.key", "ca.crt"}

// copyIdentity copies the cluster's identity files into to.
func (d clusterDir) copyIdentity(to clusterDir) error {
	if err := os.MkdirAll(string(to), 0o700); err != nil {
		return err
	}
	for _, name := range identityFiles {
		b, err := os.ReadFile(d.path(name))
		if errors.Is(err, fs.ErrNotExist) && name == "port" {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(to.path(name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// savedPort is the API port the cluster had when its directory was last
// used (0 if none), which a cluster re-created by a reset takes again.
func (d clusterDir) savedPort() int {
	b, err := os.ReadFile(d.path("port"))
	if err != nil {
		return 0
	}
	port, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || port < 1 || port > 65535 {
		return 0
	}
	return port
}

func (d clusterDir) savePort(port int) error {
	return os.WriteFile(d.path("port"), []byte(strconv.Itoa(port)+"\n"), 0o600)
}

// caData returns the base64 PEM DescribeCluster reports as certificateAuthority.data.
func (d clusterDir) caData() (string, error) {
	b, err := os.ReadFile(d.path("ca.crt"))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// webhookKubeconfig is the kubeconfig kube-apiserver uses to call a webhook.
func webhookKubeconfig(url string, caPEM []byte, token string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: eksemu
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: kube-apiserver
  user:
    token: %s
contexts:
- name: webhook
  context:
    cluster: eksemu
    user: kube-apiserver
current-context: webhook
`, url, base64.StdEncoding.EncodeToString(caPEM), token)
}

// authorizationConfig is EKS's chain: Node, RBAC, then the access-policy
// webhook for everyone but system: users (nodes, service accounts, controllers).
// Decisions are never cached, so an association change applies to the next request.
func authorizationConfig(webhookKubeconfigPath string) string {
	return fmt.Sprintf(`apiVersion: apiserver.config.k8s.io/v1
kind: AuthorizationConfiguration
authorizers:
- type: Node
  name: node
- type: RBAC
  name: rbac
- type: Webhook
  name: eks-access-policies
  webhook:
    timeout: 5s
    subjectAccessReviewVersion: v1
    matchConditionSubjectAccessReviewVersion: v1
    failurePolicy: NoOpinion
    authorizedTTL: 1ms
    unauthorizedTTL: 1ms
    cacheAuthorizedRequests: false
    cacheUnauthorizedRequests: false
    connectionInfo:
      type: KubeConfigFile
      kubeConfigFile: %s
    matchConditions:
    - expression: "!request.user.startsWith('system:')"
`, webhookKubeconfigPath)
}

// writeWebhookConfigs (re)writes the webhook kubeconfigs and the authorization
// configuration; the webhook listener's port changes with every emulator start.
func (d clusterDir) writeWebhookConfigs(base, uid string, caPEM []byte, token string) error {
	files := map[string]string{
		"authn-webhook.kubeconfig": webhookKubeconfig(base+"/authenticate/"+uid, caPEM, token),
		"authz-webhook.kubeconfig": webhookKubeconfig(base+"/authorize/"+uid, caPEM, token),
	}
	abs, err := filepath.Abs(d.path("authz-webhook.kubeconfig"))
	if err != nil {
		return err
	}
	files["authz-config.yaml"] = authorizationConfig(abs)
	for name, body := range files {
		if err := os.WriteFile(d.path(name), []byte(body), 0o600); err != nil {
			return err
		}
	}
	return nil
}
