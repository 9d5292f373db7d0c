package store

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

// Authentication modes (eks-api.md §5.1), in ladder order.
const (
	ModeConfigMap       = "CONFIG_MAP"
	ModeAPIAndConfigMap = "API_AND_CONFIG_MAP"
	ModeAPI             = "API"
)

var modeRank = map[string]int{ModeConfigMap: 0, ModeAPIAndConfigMap: 1, ModeAPI: 2}

// Cluster statuses.
const (
	StatusCreating = "CREATING"
	StatusActive   = "ACTIVE"
	StatusDeleting = "DELETING"
	StatusFailed   = "FAILED"
	StatusUpdating = "UPDATING"
)

// Update statuses and the update type of authentication-mode changes.
const (
	UpdateInProgress     = "InProgress"
	UpdateSuccessful     = "Successful"
	UpdateAccessConfig   = "AccessConfigUpdate"
	ParamAuthMode        = "AuthenticationMode"
	clusterAdminPolicy   = "AmazonEKSClusterAdminPolicy"
	accessPolicyARNStart = "arn:%s:eks::aws:cluster-access-policy/"
)

// Versions is the Kubernetes minors CreateCluster accepts, oldest first, with the
// EKS platform version each reports. [inferred] EKS in late 2026: 1.31–1.33 in
// extended support, 1.34–1.37 in standard support.
var versions = []struct{ Minor, Platform, Patch string }{
	{"1.31", "eks.40", "14"}, {"1.32", "eks.30", "11"}, {"1.33", "eks.22", "7"}, {"1.34", "eks.14", "4"},
	{"1.35", "eks.9", "3"}, {"1.36", "eks.5", "2"}, {"1.37", "eks.2", "2"},
}

// BinaryMinor is the Kubernetes minor of the embedded kube-apiserver (k8s.io/kubernetes v1.37.2).
const BinaryMinor = "1.37"

// minEmulatedMinor is the oldest minor kube-apiserver v1.37 can emulate (n-3).
const minEmulatedMinor = "1.34"

// EmulatedMinor returns the --emulated-version for a cluster of the given
// minor: the minor itself where kube-apiserver can emulate it, the oldest
// emulatable minor for older clusters (which then behave as 1.34 while
// reporting their own version), "" for the binary's own minor.
func EmulatedMinor(minor string) string {
	switch {
	case minor == BinaryMinor:
		return ""
	case versionLess(minor, minEmulatedMinor):
		return minEmulatedMinor
	}
	return minor
}

func versionLess(a, b string) bool {
	var am, an, bm, bn int
	_, _ = fmt.Sscanf(a, "%d.%d", &am, &an)
	_, _ = fmt.Sscanf(b, "%d.%d", &bm, &bn)
	return am < bm || am == bm && an < bn
}

// GitVersion returns what a cluster of the given minor reports at /version,
// in EKS's form v1.X.Y-eks-<7 hex> (the hash is derived from the version).
func GitVersion(minor string) string {
	for _, v := range versions {
		if v.Minor == minor {
			sum := sha1.Sum([]byte("eksemu " + minor + "." + v.Patch))
			return fmt.Sprintf("v%s.%s-eks-%s", minor, v.Patch, hex.EncodeToString(sum[:])[:7])
		}
	}
	return ""
}

// DefaultVersion is the newest standard-support minor, used when CreateCluster omits version.
const DefaultVersion = "1.37"

// SupportedVersions returns the accepted Kubernetes minors, oldest first.
func SupportedVersions() []string {
	out := make([]string, len(versions))
	for i, v := range versions {
		out[i] = v.Minor
	}
	return out
}

func platformVersion(minor string) (string, bool) {
	for _, v := range versions {
		if v.Minor == minor {
			return v.Platform, true
		}
	}
	return "", false
}

// ClusterKey names a cluster: clusters are regional resources of an account.
type ClusterKey struct {
	Account string
	Region  string
	Name    string
}

// Cluster is an EKS cluster as the store knows it.
type Cluster struct {
	ClusterKey
	ARN             string
	UID             string
	Version         string
	PlatformVersion string
	RoleARN         string
	// Status is what DescribeCluster reports (UPDATING while an update is in progress).
	Status string
	// AuthMode is the authentication mode in force now.
	AuthMode           string
	BootstrapAdmin     bool
	CreatorARN         string
	CreatorPrincipalID string
	ClientRequestToken string
	// Config is the JSON object of the request's pass-through settings
	// (resourcesVpcConfig, kubernetesNetworkConfig, logging, …), owned by eksapi.
	Config    json.RawMessage
	Endpoint  string
	CAData    string
	Port      int
	Tags      map[string]string
	CreatedAt time.Time
}

// CreateClusterInput is a CreateCluster request after wire decoding.
type CreateClusterInput struct {
	Region             string
	Name               string
	Version            string // "" = DefaultVersion
	RoleARN            string
	Config             json.RawMessage
	Tags               map[string]string
	ClientRequestToken string
	AuthMode           string // "" = CONFIG_MAP
	BootstrapAdmin     *bool  // nil = true
	Creator            Caller
}

// CreateCluster records a new cluster in CREATING state together with the
// creator's bootstrap access entry (eks-api.md §5.5). A retry with the same
// client request token returns the original cluster.
func (db *DB) CreateCluster(ctx context.Context, in CreateClusterInput) (Cluster, error) {
	if in.Version == "" {
		in.Version = DefaultVersion
	}
	if in.AuthMode == "" {
		in.AuthMode = ModeConfigMap
	}
	bootstrap := in.BootstrapAdmin == nil || *in.BootstrapAdmin
	platform, ok := platformVersion(in.Version)
	if !ok {
		return Cluster{}, clusterErr(KindInvalidParameter, in.Name, "unsupported Kubernetes version")
	}
	if _, ok := modeRank[in.AuthMode]; !ok {
		return Cluster{}, clusterErr(KindInvalidParameter, in.Name, "Unsupported authentication mode %s", in.AuthMode)
	}
	if !bootstrap && in.AuthMode == ModeConfigMap {
		return Cluster{}, clusterErr(KindInvalidParameter, in.Name, "bootstrapClusterCreatorAdminPermissions must be true if cluster authentication mode is set to CONFIG_MAP")
	}
	if len(in.Config) == 0 {
		in.Config = json.RawMessage(`{}`)
	}
	key := ClusterKey{Account: in.Creator.Account, Region: in.Region, Name: in.Name}
	now := db.now().Truncate(time.Millisecond)
	c := Cluster{
		ClusterKey: key, ARN: db.clusterARN(key), UID: db.ids.ClusterID(), Version: in.Version,
		PlatformVersion: platform, RoleARN: in.RoleARN, Status: StatusCreating, AuthMode: in.AuthMode,
		BootstrapAdmin: bootstrap, CreatorARN: in.Creator.PrincipalARN, CreatorPrincipalID: in.Creator.PrincipalID,
		ClientRequestToken: in.ClientRequestToken, Config: in.Config, Tags: nonNilTags(in.Tags), CreatedAt: now,
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		existing, err := db.getCluster(ctx, tx, key)
		if err == nil {
			if in.ClientRequestToken != "" && existing.ClientRequestToken == in.ClientRequestToken {
				c = existing
				return nil
			}
			return clusterErr(KindAlreadyExists, in.Name, "Cluster already exists with name: %s", in.Name)
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO clusters (account_id, region, name, arn, uid, version, platform_version, role_arn, status,
			auth_mode, prev_auth_mode, auth_mode_since, bootstrap_admin, creator_arn, creator_principal_id, client_request_token, config, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			key.Account, key.Region, key.Name, c.ARN, c.UID, c.Version, c.PlatformVersion, c.RoleARN, c.Status,
			c.AuthMode, c.AuthMode, ms(now), bootstrap, c.CreatorARN, c.CreatorPrincipalID, c.ClientRequestToken, string(c.Config), ms(now))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := putTags(ctx, tx, "cluster_tags", "cluster_id", id, c.Tags); err != nil {
			return err
		}
		if !bootstrap {
			return nil
		}
		p, err := awsid.ParsePrincipal(in.Creator.PrincipalARN)
		if err != nil {
			return err
		}
		entry := AccessEntry{
			Cluster: key.Name, PrincipalARN: in.Creator.PrincipalARN, PrincipalID: in.Creator.PrincipalID,
			KubernetesGroups: []string{}, Type: EntryStandard, Username: DefaultUsername(p, EntryStandard),
			CreatedAt: now, ModifiedAt: now, Tags: map[string]string{},
		}
		entryID, err := db.insertEntry(ctx, tx, id, key, p, &entry)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO access_policy_associations (entry_id, policy_arn, scope_type, namespaces, associated_at, modified_at) VALUES (?, ?, 'cluster', '[]', ?, ?)`,
			entryID, db.PolicyARN(clusterAdminPolicy), ms(now), ms(now))
		return err
	})
	return c, err
}

// PolicyARN returns the ARN of the access policy with the given name.
func (db *DB) PolicyARN(name string) string {
	return fmt.Sprintf(accessPolicyARNStart, db.partition) + name
}

func (db *DB) clusterARN(k ClusterKey) string {
	return fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", db.partition, k.Region, k.Account, k.Name)
}

func clusterNotFound(name string) error {
	return clusterErr(KindNotFound, name, "No cluster found for name: %s.", name)
}

const clusterCols = `id, account_id, region, name, arn, uid, version, platform_version, role_arn, status, auth_mode, prev_auth_mode,
	auth_mode_since, bootstrap_admin, creator_arn, creator_principal_id, client_request_token, config, endpoint, ca_data, port, created_at,
	EXISTS (SELECT 1 FROM cluster_updates u WHERE u.cluster_id = clusters.id AND u.completes_at > ?)`

// scanCluster reads a cluster row and derives its present status and mode.
func (db *DB) scanCluster(ctx context.Context, tx *sql.Tx, row *sql.Row) (int64, Cluster, error) {
	var c Cluster
	var id, since, created int64
	var prevMode, config string
	var updating bool
	err := row.Scan(&id, &c.Account, &c.Region, &c.Name, &c.ARN, &c.UID, &c.Version, &c.PlatformVersion, &c.RoleARN, &c.Status,
		&c.AuthMode, &prevMode, &since, &c.BootstrapAdmin, &c.CreatorARN, &c.CreatorPrincipalID, &c.ClientRequestToken, &config,
		&c.Endpoint, &c.CAData, &c.Port, &created, &updating)
	if err != nil {
		return 0, Cluster{}, err
	}
	now := ms(db.now())
	if now < since {
		c.AuthMode = prevMode
	}
	if updating && c.Status == StatusActive {
		c.Status = StatusUpdating
	}
	c.Config = json.RawMessage(config)
	c.CreatedAt = fromMS(created)
	c.Tags, err = getTags(ctx, tx, "cluster_tags", "cluster_id", id)
	return id, c, err
}

func (db *DB) getClusterWithID(ctx context.Context, tx *sql.Tx, k ClusterKey) (int64, Cluster, error) {
	id, c, err := db.scanCluster(ctx, tx, tx.QueryRowContext(ctx, `SELECT `+clusterCols+` FROM clusters WHERE account_id = ? AND region = ? AND name = ?`,
		ms(db.now()), k.Account, k.Region, k.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, Cluster{}, clusterNotFound(k.Name)
	}
	return id, c, err
}

// clusterID returns only a cluster's row ID: lookups on the authentication and
// authorization paths need no more of it.
func clusterID(ctx context.Context, tx *sql.Tx, k ClusterKey) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM clusters WHERE account_id = ? AND region = ? AND name = ?`, k.Account, k.Region, k.Name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, clusterNotFound(k.Name)
	}
	return id, err
}

func (db *DB) getCluster(ctx context.Context, tx *sql.Tx, k ClusterKey) (Cluster, error) {
	_, c, err := db.getClusterWithID(ctx, tx, k)
	return c, err
}

// ClusterByUID returns the cluster with the given UID (the Kubernetes side
// names clusters this way). KindNotFound if absent.
func (db *DB) ClusterByUID(ctx context.Context, uid string) (c Cluster, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		var k ClusterKey
		err := tx.QueryRowContext(ctx, `SELECT account_id, region, name FROM clusters WHERE uid = ?`, uid).Scan(&k.Account, &k.Region, &k.Name)
		if errors.Is(err, sql.ErrNoRows) {
			return newErr(KindNotFound, "No cluster found for UID: %s.", uid)
		}
		if err != nil {
			return err
		}
		c, err = db.getCluster(ctx, tx, k)
		return err
	})
	return c, err
}

// GetCluster returns a cluster. KindNotFound if absent.
func (db *DB) GetCluster(ctx context.Context, k ClusterKey) (c Cluster, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		c, err = db.getCluster(ctx, tx, k)
		return err
	})
	return c, err
}

// AllClusters returns every cluster of every account and region (the supervisor's view).
func (db *DB) AllClusters(ctx context.Context) (out []Cluster, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT account_id, region, name FROM clusters ORDER BY id`)
		if err != nil {
			return err
		}
		var keys []ClusterKey
		for rows.Next() {
			var k ClusterKey
			if err := rows.Scan(&k.Account, &k.Region, &k.Name); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		for _, k := range keys {
			c, err := db.getCluster(ctx, tx, k)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// Page is a pagination request: Token is the opaque nextToken ("" for the first page).
type Page struct {
	Token string
	Limit int // 1..100; 0 means 100
}

func (p Page) limit() int {
	if p.Limit <= 0 {
		return 100
	}
	return p.Limit
}

// after decodes the token into the last key of the previous page.
func (p Page) after() (string, error) {
	if p.Token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.Token)
	if err != nil || len(b) == 0 {
		// [unknown] EKS's text for a token it did not issue.
		return "", newErr(KindInvalidParameter, "The nextToken provided is not valid.")
	}
	return string(b), nil
}

func nextToken(last string) string { return base64.RawURLEncoding.EncodeToString([]byte(last)) }

// pageOf trims one look-ahead row and returns the next token.
func pageOf[T any](items []T, limit int, key func(T) string) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, nextToken(key(items[limit-1]))
}

// ListClusters lists cluster names of an account in a region, in name order.
func (db *DB) ListClusters(ctx context.Context, account, region string, p Page) (names []string, next string, err error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	err = db.read(ctx, func(tx *sql.Tx) error {
		names, err = query(ctx, tx, scanOne[string], `SELECT name FROM clusters WHERE account_id = ? AND region = ? AND name > ? ORDER BY name LIMIT ?`,
			account, region, after, p.limit()+1)
		return err
	})
	names, next = pageOf(names, p.limit(), func(s string) string { return s })
	return names, next, err
}

// DeleteCluster removes a cluster with its updates, entries, associations and
// tags, and returns it as it was with status DELETING.
func (db *DB) DeleteCluster(ctx context.Context, k ClusterKey) (c Cluster, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		var id int64
		id, c, err = db.getClusterWithID(ctx, tx, k)
		if err != nil {
			return err
		}
		c.Status = StatusDeleting
		_, err = tx.ExecContext(ctx, `DELETE FROM clusters WHERE id = ?`, id)
		return err
	})
	return c, err
}

// ClusterRuntime is what the Kubernetes side reports for a cluster it serves.
type ClusterRuntime struct {
	Status   string
	Endpoint string
	CAData   string
	Port     int
}

// SetClusterRuntime records the status, endpoint, CA and port of a cluster.
// Empty fields are left unchanged.
func (db *DB) SetClusterRuntime(ctx context.Context, k ClusterKey, rt ClusterRuntime) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE clusters SET
			status = CASE WHEN ? = '' THEN status ELSE ? END,
			endpoint = CASE WHEN ? = '' THEN endpoint ELSE ? END,
			ca_data = CASE WHEN ? = '' THEN ca_data ELSE ? END,
			port = CASE WHEN ? = 0 THEN port ELSE ? END
			WHERE account_id = ? AND region = ? AND name = ?`,
			rt.Status, rt.Status, rt.Endpoint, rt.Endpoint, rt.CAData, rt.CAData, rt.Port, rt.Port, k.Account, k.Region, k.Name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return clusterNotFound(k.Name)
		}
		return nil
	})
}

// UsedPorts returns the Kubernetes API ports assigned to clusters.
func (db *DB) UsedPorts(ctx context.Context) (ports map[int]bool, err error) {
	ports = map[int]bool{}
	err = db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT port FROM clusters WHERE port != 0`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p int
			if err := rows.Scan(&p); err != nil {
				return err
			}
			ports[p] = true
		}
		return rows.Err()
	})
	return ports, err
}

func nonNilTags(t map[string]string) map[string]string {
	if t == nil {
		return map[string]string{}
	}
	return t
}

func putTags(ctx context.Context, tx *sql.Tx, table, col string, id int64, tags map[string]string) error {
	for k, v := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (`+col+`, key, value) VALUES (?, ?, ?)
			ON CONFLICT (`+col+`, key) DO UPDATE SET value = excluded.value`, id, k, v); err != nil {
			return err
		}
	}
	return nil
}

func getTags(ctx context.Context, tx *sql.Tx, table, col string, id int64) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM `+table+` WHERE `+col+` = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tags := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		tags[k] = v
	}
	return tags, rows.Err()
}

func jsonStrings(s string) []string {
	out := []string{}
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func hasAnyPrefix(s string, prefixes []string) (string, bool) {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return p, true
		}
	}
	return "", false
}
