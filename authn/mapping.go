package authn

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/eksemu/eksemu/awsid"
	"github.com/eksemu/eksemu/store"
)

// ConfigMaps reads a cluster's ConfigMaps (aws-auth lives in kube-system).
type ConfigMaps interface {
	ConfigMapData(ctx context.Context, c store.Cluster, namespace, name string) (data map[string]string, found bool, err error)
}

// Source says which mapping admitted a user.
type Source string

// Sources.
const (
	SourceCreator     Source = "cluster-creator"
	SourceAccessEntry Source = "access-entry"
	SourceAWSAuth     Source = "aws-auth"
	SourceAccount     Source = "aws-auth-mapAccounts"
)

// Decision is the outcome of authenticating a token at a cluster.
type Decision struct {
	Authenticated bool
	User          authenticationv1.UserInfo
	Identity      Identity
	Source        Source
	// Reason is aws-iam-authenticator's wording of a denial.
	Reason string
}

// mapperNames are the aws-iam-authenticator backends each source stands for
// (authenticator.md §4.6–4.8); errors name the mapper this way.
var mapperNames = map[Source]string{
	SourceCreator:     "MountedFile",
	SourceAccessEntry: "DynamicFile",
	SourceAWSAuth:     "EKSConfigMap",
	SourceAccount:     "EKSConfigMap",
}

// ErrNotMapped is the authenticator's "identity is not mapped".
var ErrNotMapped = errors.New("identity is not mapped")

// Kube authenticates kubectl's tokens for a cluster and maps them to
// Kubernetes users according to the cluster's authentication mode.
type Kube struct {
	verifier   *TokenVerifier
	db         *store.DB
	configMaps ConfigMaps
	logger     *slog.Logger
}

// NewKube returns the token authenticator of the Kubernetes side.
func NewKube(v *TokenVerifier, db *store.DB, cms ConfigMaps, logger *slog.Logger) *Kube {
	return &Kube{verifier: v, db: db, configMaps: cms, logger: logger}
}

// ReviewToken is the TokenReview webhook's decision; denials are logged with
// their reason in aws-iam-authenticator's words.
func (k *Kube) ReviewToken(ctx context.Context, c store.Cluster, token string) (authenticationv1.UserInfo, bool) {
	d := k.Authenticate(ctx, c, token)
	if !d.Authenticated {
		k.logger.Warn("access denied", "cluster", c.Name, "arn", d.Identity.ARN, "error", d.Reason)
		return authenticationv1.UserInfo{}, false
	}
	k.logger.Info("access granted", "cluster", c.Name, "arn", d.Identity.ARN, "username", d.User.Username, "groups", d.User.Groups, "via", d.Source)
	return d.User, true
}

// Authenticate verifies token for cluster c and maps its identity.
func (k *Kube) Authenticate(ctx context.Context, c store.Cluster, token string) Decision {
	id, err := k.verifier.Verify(ctx, token, c.Name)
	if err != nil {
		return Decision{Reason: err.Error()}
	}
	d := Decision{Identity: id}
	username, groups, source, err := k.mapIdentity(ctx, c, id)
	if err != nil {
		d.Reason = err.Error()
		return d
	}
	rendered, err := renderTemplate(username, id, c.Region)
	if err != nil {
		d.Reason = fmt.Sprintf("mapper %s renderTemplates error: error rendering username template %q: %v", mapperNames[source], username, err)
		return d
	}
	username = rendered
	renderedGroups := make([]string, 0, len(groups))
	for _, g := range groups {
		r, err := renderTemplate(g, id, c.Region)
		if err != nil {
			d.Reason = fmt.Sprintf("mapper %s renderTemplates error: error rendering group template %q: %v", mapperNames[source], g, err)
			return d
		}
		renderedGroups = append(renderedGroups, r)
	}
	d.Authenticated, d.Source = true, source
	d.User = authenticationv1.UserInfo{
		Username: username,
		UID:      fmt.Sprintf("aws-iam-authenticator:%s:%s", id.AccountID, id.UserID),
		Groups:   renderedGroups,
		Extra: map[string]authenticationv1.ExtraValue{
			"accessKeyId":  {id.AccessKeyID},
			"arn":          {id.ARN},
			"canonicalArn": {id.CanonicalARN},
			"principalId":  {id.UserID},
			"sessionName":  {id.SessionName},
			"sigs.k8s.io/aws-iam-authenticator/principalId": {id.UserID},
		},
	}
	return d
}

// mapIdentity applies the mapper chain of the cluster's mode (authenticator.md §4.8):
// CONFIG_MAP: hidden creator, then aws-auth; API_AND_CONFIG_MAP: access entry,
// then aws-auth; API: access entries only.
func (k *Kube) mapIdentity(ctx context.Context, c store.Cluster, id Identity) (string, []string, Source, error) {
	switch c.AuthMode {
	case store.ModeConfigMap:
		if c.BootstrapAdmin && id.UserID == c.CreatorPrincipalID && c.CreatorPrincipalID != "" {
			return "kubernetes-admin", []string{"system:masters"}, SourceCreator, nil
		}
		return k.mapAWSAuth(ctx, c, id)
	case store.ModeAPIAndConfigMap:
		u, g, src, err := k.mapAccessEntry(ctx, c, id)
		if err == nil || !errors.Is(err, ErrNotMapped) {
			return u, g, src, err
		}
		return k.mapAWSAuth(ctx, c, id)
	default:
		return k.mapAccessEntry(ctx, c, id)
	}
}

// nodeGroups are the groups node-type entries authenticate with ([inferred]
// from the aws-auth entries EKS writes for each kind of node).
var nodeGroups = map[string][]string{
	store.EntryEC2Linux:      {"system:bootstrappers", "system:nodes"},
	store.EntryEC2Windows:    {"system:bootstrappers", "system:nodes", "eks:kube-proxy-windows"},
	store.EntryFargateLinux:  {"system:bootstrappers", "system:nodes", "system:node-proxier"},
	store.EntryHybridLinux:   {"system:bootstrappers", "system:nodes"},
	store.EntryEC2:           {"system:nodes"},
	store.EntryHyperPodLinux: {"system:bootstrappers", "system:nodes"},
}

// mapAccessEntry finds the entry bound to the caller's principal ID; the
// entry's ARN (a role's path stripped, as arn.StripPath does; users keep
// theirs, as STS reports it) must still name the caller (the DynamicFile
// mapper's dynamicfileUserIDStrict rule).
func (k *Kube) mapAccessEntry(ctx context.Context, c store.Cluster, id Identity) (string, []string, Source, error) {
	e, err := k.db.AccessEntryForPrincipal(ctx, c.ClusterKey, id.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, "", ErrNotMapped
	}
	if err != nil {
		return "", nil, "", err
	}
	p, err := awsid.ParsePrincipal(e.PrincipalARN)
	if err != nil {
		return "", nil, "", err
	}
	stripped := p
	if p.Type == awsid.TypeRole {
		stripped.Path = "/"
	}
	if !strings.EqualFold(stripped.String(), id.CanonicalARN) {
		return "", nil, "", errors.New("ARN does not match User ID")
	}
	groups := append([]string{}, e.KubernetesGroups...)
	if ng, ok := nodeGroups[e.Type]; ok {
		groups = ng
	}
	return e.Username, groups, SourceAccessEntry, nil
}

func (k *Kube) mapAWSAuth(ctx context.Context, c store.Cluster, id Identity) (string, []string, Source, error) {
	data, found, err := k.configMaps.ConfigMapData(ctx, c, "kube-system", "aws-auth")
	if err != nil {
		return "", nil, "", fmt.Errorf("reading aws-auth: %w", err)
	}
	if !found {
		return "", nil, "", ErrNotMapped
	}
	auth, perr := ParseAWSAuth(data)
	if perr != nil {
		k.logger.Warn("There was an error parsing the config maps.  Only saving data that was good", "cluster", c.Name, "error", perr)
	}
	if u, g, ok := auth.lookup(id.CanonicalARN); ok {
		return u, g, SourceAWSAuth, nil
	}
	if auth.allowsAccount(id.AccountID) {
		return id.CanonicalARN, []string{}, SourceAccount, nil
	}
	return "", nil, "", ErrNotMapped
}

var instanceID = regexp.MustCompile(`^i-(\w{8}|\w{17})$`)

// renderTemplate substitutes aws-iam-authenticator's template variables
// (authenticator.md §4.3). {{EC2PrivateDNSName}} would be resolved with EC2
// DescribeInstances; eksemu has no EC2, so it derives a stable private DNS
// name from the instance ID.
func renderTemplate(t string, id Identity, region string) (string, error) {
	if strings.Contains(t, "{{EC2PrivateDNSName}}") {
		if !instanceID.MatchString(id.SessionName) {
			return "", errors.New("SessionName did not contain an instance id")
		}
		sum := sha256.Sum256([]byte(id.SessionName))
		dns := fmt.Sprintf("ip-10-%d-%d-%d.%s.compute.internal", sum[0]%16, sum[1], sum[2]%254+1, region)
		if region == "us-east-1" {
			dns = fmt.Sprintf("ip-10-%d-%d-%d.ec2.internal", sum[0]%16, sum[1], sum[2]%254+1)
		}
		t = strings.ReplaceAll(t, "{{EC2PrivateDNSName}}", dns)
	}
	t = strings.ReplaceAll(t, "{{AccountID}}", id.AccountID)
	t = strings.ReplaceAll(t, "{{SessionNameRaw}}", id.SessionName)
	t = strings.ReplaceAll(t, "{{SessionName}}", strings.ReplaceAll(id.SessionName, "@", "-"))
	t = strings.ReplaceAll(t, "{{AccessKeyID}}", id.AccessKeyID)
	return t, nil
}
