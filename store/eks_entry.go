package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

// Access-entry types (eks-api.md §5.2).
const (
	EntryStandard      = "STANDARD"
	EntryEC2Linux      = "EC2_LINUX"
	EntryEC2Windows    = "EC2_WINDOWS"
	EntryFargateLinux  = "FARGATE_LINUX"
	EntryEC2           = "EC2"
	EntryHybridLinux   = "HYBRID_LINUX"
	EntryHyperPodLinux = "HYPERPOD_LINUX"
)

// EntryTypes lists the accepted types in the order EKS's error message lists them.
var entryTypes = []string{EntryEC2, EntryEC2Linux, EntryEC2Windows, EntryFargateLinux, EntryHybridLinux, EntryHyperPodLinux, EntryStandard}

// ReservedPrefixes may not begin an access-entry username (eks-api.md §5.4).
var reservedPrefixes = []string{"system:", "eks:", "aws:", "amazon:", "iam:"}

// AccessEntry is an EKS access entry.
type AccessEntry struct {
	Cluster          string
	PrincipalARN     string
	PrincipalID      string
	KubernetesGroups []string
	ARN              string
	CreatedAt        time.Time
	ModifiedAt       time.Time
	Tags             map[string]string
	Username         string
	Type             string
}

// DefaultUsername is the username EKS generates for an entry (eks-api.md §5.3).
func DefaultUsername(p awsid.Principal, typ string) string {
	switch typ {
	case EntryEC2Linux, EntryEC2Windows, EntryEC2:
		return "system:node:{{EC2PrivateDNSName}}"
	case EntryFargateLinux, EntryHybridLinux, EntryHyperPodLinux:
		return "system:node:{{SessionName}}"
	}
	if p.Type == awsid.TypeRole {
		return awsid.AssumedRoleARN(p.Partition, p.Account, p.Name, "{{SessionName}}")
	}
	return p.String()
}

// defaultGroups are the kubernetesGroups EKS fills for node types ([unknown] beyond EC2_*).
func defaultGroups(typ string) []string {
	switch typ {
	case EntryEC2Linux, EntryEC2Windows:
		return []string{"system:nodes"}
	}
	return []string{}
}

// CreateAccessEntryInput is a CreateAccessEntry request after wire decoding.
type CreateAccessEntryInput struct {
	PrincipalARN       string
	KubernetesGroups   []string
	Tags               map[string]string
	ClientRequestToken string
	Username           string
	Type               string // "" = STANDARD
}

func (db *DB) accessGate(c Cluster) error {
	if c.AuthMode == ModeConfigMap {
		return clusterErr(KindInvalidRequest, c.Name, "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.")
	}
	return nil
}

// gatedCluster loads a cluster and refuses access-entry operations in CONFIG_MAP mode.
func (db *DB) gatedCluster(ctx context.Context, tx *sql.Tx, k ClusterKey) (int64, Cluster, error) {
	id, c, err := db.getClusterWithID(ctx, tx, k)
	if err != nil {
		return 0, Cluster{}, err
	}
	return id, c, db.accessGate(c)
}

var sessionVar = regexp.MustCompile(`\{\{SessionName(Raw)?\}\}`)

func checkUsername(cluster, u string) error {
	if p, bad := hasAnyPrefix(u, reservedPrefixes); bad {
		return clusterErr(KindInvalidParameter, cluster, "The username must not begin with %s", p)
	}
	if loc := sessionVar.FindStringIndex(u); loc != nil && !strings.Contains(u[:loc[0]], ":") {
		// [unknown] text; the rule is documented (set-custom-username).
		return clusterErr(KindInvalidParameter, cluster, "The username %s is invalid, a colon (:) must appear before %s", u, u[loc[0]:loc[1]])
	}
	return nil
}

func checkGroups(cluster string, groups []string) error {
	for _, g := range groups {
		if strings.HasPrefix(g, "system:") {
			return clusterErr(KindInvalidParameter, cluster, "The kubernetes group name %s is invalid, it cannot start with system:", g)
		}
	}
	return nil
}

func notStandard(cluster string) error {
	return clusterErr(KindInvalidParameter, cluster, `This operation can only be performed on Access Entries with a type of "STANDARD".`)
}

// resolvePrincipal validates an access-entry principal ARN and binds it to the
// IAM principal's unique ID.
func (db *DB) resolvePrincipal(ctx context.Context, tx *sql.Tx, cluster string, arn string, typ string, clusterAccount string) (awsid.Principal, string, error) {
	p, err := awsid.ParsePrincipal(arn)
	if err != nil || p.Type == awsid.TypeAssumedRole || p.Type == awsid.TypeFederatedUser || p.Partition != db.partition {
		return awsid.Principal{}, "", clusterErr(KindInvalidParameter, cluster, "The principalArn parameter format is not valid")
	}
	if p.Type == awsid.TypeRole && strings.HasPrefix(p.Path, "/aws-service-role/") {
		return awsid.Principal{}, "", clusterErr(KindInvalidParameter, cluster, "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role")
	}
	if typ != EntryStandard && (p.Type != awsid.TypeRole || p.Account != clusterAccount) {
		// [unknown] text: node-type entries need a role of the cluster's account (eks-api.md §5.2).
		return awsid.Principal{}, "", clusterErr(KindInvalidParameter, cluster, "The principalArn of an access entry of type %s must be an IAM role in account %s", typ, clusterAccount)
	}
	id, _, err := db.lookupPrincipal(ctx, tx, p)
	if errors.Is(err, ErrNotFound) {
		return awsid.Principal{}, "", clusterErr(KindInvalidParameter, cluster, "The specified principalArn is invalid: invalid principal.")
	}
	return p, id, err
}

func (db *DB) entryARN(k ClusterKey, p awsid.Principal) string {
	kind, name := string(p.Type), p.Name
	if p.Type == awsid.TypeRoot {
		name = "root"
	}
	return fmt.Sprintf("arn:%s:eks:%s:%s:access-entry/%s/%s/%s/%s/%s", db.partition, k.Region, k.Account, k.Name, kind, p.Account, name, db.ids.HexGroups())
}

func (db *DB) insertEntry(ctx context.Context, tx *sql.Tx, clusterID int64, k ClusterKey, p awsid.Principal, e *AccessEntry) (int64, error) {
	e.ARN = db.entryARN(k, p)
	res, err := tx.ExecContext(ctx, `INSERT INTO access_entries (cluster_id, principal_arn, principal_id, type, username, groups, arn, client_request_token, created_at, modified_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, clusterID, e.PrincipalARN, e.PrincipalID, e.Type, e.Username, toJSON(e.KubernetesGroups), e.ARN, "", ms(e.CreatedAt), ms(e.ModifiedAt))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, putTags(ctx, tx, "access_entry_tags", "entry_id", id, e.Tags)
}

// CreateAccessEntry creates an access entry bound to the principal's unique ID.
// A retry with the same client request token returns the original entry.
func (db *DB) CreateAccessEntry(ctx context.Context, k ClusterKey, in CreateAccessEntryInput) (e AccessEntry, err error) {
	if in.Type == "" {
		in.Type = EntryStandard
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		cid, _, err := db.gatedCluster(ctx, tx, k)
		if err != nil {
			return err
		}
		if !slices.Contains(entryTypes, in.Type) {
			return clusterErr(KindInvalidParameter, k.Name, "AccessEntry type must be one of [%s]", strings.Join(entryTypes, ", "))
		}
		if prior, err := db.getEntry(ctx, tx, cid, k.Name, in.PrincipalARN); err == nil {
			if in.ClientRequestToken != "" && prior.token == in.ClientRequestToken {
				e = prior.AccessEntry
				return nil
			}
			return clusterErr(KindAlreadyExists, k.Name, "The specified access entry resource is already in use on this cluster.")
		}
		p, pid, err := db.resolvePrincipal(ctx, tx, k.Name, in.PrincipalARN, in.Type, k.Account)
		if err != nil {
			return err
		}
		if in.Username != "" {
			if err := checkUsername(k.Name, in.Username); err != nil {
				return err
			}
		}
		if err := checkGroups(k.Name, in.KubernetesGroups); err != nil {
			return err
		}
		if in.Type != EntryStandard && (len(in.KubernetesGroups) > 0 || in.Username != "") {
			return notStandard(k.Name) // [unknown] text for groups/username on node types
		}
		now := db.now().Truncate(time.Millisecond)
		e = AccessEntry{
			Cluster: k.Name, PrincipalARN: in.PrincipalARN, PrincipalID: pid, KubernetesGroups: in.KubernetesGroups,
			Username: in.Username, Type: in.Type, CreatedAt: now, ModifiedAt: now, Tags: nonNilTags(in.Tags),
		}
		if e.Username == "" {
			e.Username = DefaultUsername(p, in.Type)
		}
		if in.Type != EntryStandard || e.KubernetesGroups == nil {
			e.KubernetesGroups = defaultGroups(in.Type)
		}
		id, err := db.insertEntry(ctx, tx, cid, k, p, &e)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE access_entries SET client_request_token = ? WHERE id = ?`, in.ClientRequestToken, id)
		return err
	})
	return e, err
}

type entryRow struct {
	AccessEntry
	id    int64
	token string
}

const entryCols = `id, principal_arn, principal_id, type, username, groups, arn, client_request_token, created_at, modified_at`

func scanEntry(ctx context.Context, tx *sql.Tx, cluster string, row interface{ Scan(...any) error }) (entryRow, error) {
	var r entryRow
	var groups string
	var created, modified int64
	if err := row.Scan(&r.id, &r.PrincipalARN, &r.PrincipalID, &r.Type, &r.Username, &groups, &r.ARN, &r.token, &created, &modified); err != nil {
		return entryRow{}, err
	}
	r.Cluster = cluster
	r.KubernetesGroups = jsonStrings(groups)
	r.CreatedAt, r.ModifiedAt = fromMS(created), fromMS(modified)
	var err error
	r.Tags, err = getTags(ctx, tx, "access_entry_tags", "entry_id", r.id)
	return r, err
}

func entryNotFound(cluster string) error {
	return clusterErr(KindNotFound, cluster, "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.")
}

func (db *DB) getEntry(ctx context.Context, tx *sql.Tx, clusterID int64, cluster, principalARN string) (entryRow, error) {
	r, err := scanEntry(ctx, tx, cluster, tx.QueryRowContext(ctx, `SELECT `+entryCols+` FROM access_entries WHERE cluster_id = ? AND principal_arn = ?`, clusterID, principalARN))
	if errors.Is(err, sql.ErrNoRows) {
		return entryRow{}, entryNotFound(cluster)
	}
	return r, err
}

// gatedEntry loads a cluster (refusing CONFIG_MAP) and one of its entries.
func (db *DB) gatedEntry(ctx context.Context, tx *sql.Tx, k ClusterKey, principalARN string) (entryRow, error) {
	cid, _, err := db.gatedCluster(ctx, tx, k)
	if err != nil {
		return entryRow{}, err
	}
	return db.getEntry(ctx, tx, cid, k.Name, principalARN)
}

// DescribeAccessEntry returns an entry by its exact principal ARN.
func (db *DB) DescribeAccessEntry(ctx context.Context, k ClusterKey, principalARN string) (e AccessEntry, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		r, err := db.gatedEntry(ctx, tx, k, principalARN)
		e = r.AccessEntry
		return err
	})
	return e, err
}

// ListAccessEntries lists principal ARNs in byte order, optionally only those
// with policyARN associated.
func (db *DB) ListAccessEntries(ctx context.Context, k ClusterKey, policyARN string, p Page) (arns []string, next string, err error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	err = db.read(ctx, func(tx *sql.Tx) error {
		cid, _, err := db.gatedCluster(ctx, tx, k)
		if err != nil {
			return err
		}
		q := `SELECT principal_arn FROM access_entries e WHERE cluster_id = ? AND principal_arn > ?`
		args := []any{cid, after}
		if policyARN != "" {
			q += ` AND EXISTS (SELECT 1 FROM access_policy_associations a WHERE a.entry_id = e.id AND a.policy_arn = ?)`
			args = append(args, policyARN)
		}
		arns, err = query(ctx, tx, scanOne[string], q+` ORDER BY principal_arn LIMIT ?`, append(args, p.limit()+1)...)
		return err
	})
	arns, next = pageOf(arns, p.limit(), func(s string) string { return s })
	if arns == nil {
		arns = []string{}
	}
	return arns, next, err
}

// UpdateAccessEntryInput is an UpdateAccessEntry request. As on EKS, an omitted
// member is reset to its default (terraform-provider-aws #36480).
type UpdateAccessEntryInput struct {
	KubernetesGroups   *[]string
	Username           *string
	ClientRequestToken string
}

// UpdateAccessEntry replaces an entry's groups and username.
func (db *DB) UpdateAccessEntry(ctx context.Context, k ClusterKey, principalARN string, in UpdateAccessEntryInput) (e AccessEntry, err error) {
	err = db.write(ctx, func(tx *sql.Tx) error {
		r, err := db.gatedEntry(ctx, tx, k, principalARN)
		if err != nil {
			return err
		}
		if in.Username != nil && *in.Username != "" {
			if err := checkUsername(k.Name, *in.Username); err != nil {
				return err
			}
		}
		if in.KubernetesGroups != nil {
			if err := checkGroups(k.Name, *in.KubernetesGroups); err != nil {
				return err
			}
		}
		if r.Type != EntryStandard && (in.KubernetesGroups != nil && len(*in.KubernetesGroups) > 0 || in.Username != nil && *in.Username != "") {
			return notStandard(k.Name)
		}
		p, err := awsid.ParsePrincipal(r.PrincipalARN)
		if err != nil {
			return err
		}
		e = r.AccessEntry
		e.Username = DefaultUsername(p, r.Type)
		if in.Username != nil && *in.Username != "" {
			e.Username = *in.Username
		}
		e.KubernetesGroups = defaultGroups(r.Type)
		if in.KubernetesGroups != nil && r.Type == EntryStandard {
			e.KubernetesGroups = append([]string{}, *in.KubernetesGroups...)
		}
		e.ModifiedAt = db.now().Truncate(time.Millisecond)
		_, err = tx.ExecContext(ctx, `UPDATE access_entries SET username = ?, groups = ?, modified_at = ? WHERE id = ?`,
			e.Username, toJSON(e.KubernetesGroups), ms(e.ModifiedAt), r.id)
		return err
	})
	return e, err
}

// DeleteAccessEntry deletes an entry with its associations and tags.
func (db *DB) DeleteAccessEntry(ctx context.Context, k ClusterKey, principalARN string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := db.gatedEntry(ctx, tx, k, principalARN)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM access_entries WHERE id = ?`, r.id)
		return err
	})
}

// entryByPrincipalID selects a cluster's entry bound to an IAM principal ID
// (the lookup of every TokenReview and SubjectAccessReview). The index
// access_entries_principal_id (cluster_id, principal_id, principal_arn) answers
// it with one seek, whatever the number of entries (migration 0003).
const entryByPrincipalID = ` FROM access_entries WHERE cluster_id = ? AND principal_id = ? ORDER BY principal_arn LIMIT 1`

// AccessEntryForPrincipal returns the cluster's entry bound to an IAM principal
// ID, whatever the mode (authentication looks entries up this way, never by
// ARN). KindNotFound if none.
func (db *DB) AccessEntryForPrincipal(ctx context.Context, k ClusterKey, principalID string) (e AccessEntry, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		cid, err := clusterID(ctx, tx, k)
		if err != nil {
			return err
		}
		r, err := scanEntry(ctx, tx, k.Name, tx.QueryRowContext(ctx, `SELECT `+entryCols+entryByPrincipalID, cid, principalID))
		if errors.Is(err, sql.ErrNoRows) {
			return entryNotFound(k.Name)
		}
		e = r.AccessEntry
		return err
	})
	return e, err
}
