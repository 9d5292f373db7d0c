package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/eksemu/eksemu/awsid"
)

// WithIDs returns a view of db that mints identifiers from ids (fixture loads
// use a generator seeded from the fixture, so a reset reproduces the same IDs).
func (db *DB) WithIDs(ids *awsid.Generator) *DB {
	c := *db
	c.ids = ids
	return &c
}

// wipeOrder lists every table, children first.
var wipeOrder = []string{
	"access_policy_associations", "access_entry_tags", "access_entries", "cluster_updates", "cluster_tags",
	"clusters", "sessions", "access_keys", "iam_roles", "iam_users", "accounts",
}

// Wipe deletes every account, principal, session and cluster, in one transaction.
func (db *DB) Wipe(ctx context.Context) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		for _, t := range wipeOrder {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return fmt.Errorf("wipe %s: %w", t, err)
			}
		}
		return nil
	})
}

// fixtureSession is the role session name of a cluster creator given as a role
// in a fixture (CreateCluster is always called by a session of a role).
const fixtureSession = "eksemu-fixtures"

// CallerForPrincipal returns the caller an IAM principal ARN stands for: the
// user, the account root, or a session of the role. KindNotFound if the
// principal does not exist.
func (db *DB) CallerForPrincipal(ctx context.Context, principalARN string) (c Caller, err error) {
	p, perr := awsid.ParsePrincipal(principalARN)
	if perr != nil || p.Partition != db.partition {
		return Caller{}, newErr(KindInvalidParameter, "%q is not an IAM user, role or root ARN", principalARN)
	}
	err = db.read(ctx, func(tx *sql.Tx) error {
		switch p.Type {
		case awsid.TypeRoot, awsid.TypeUser:
			id, _, err := db.lookupPrincipal(ctx, tx, p)
			if err != nil {
				return err
			}
			var userID sql.NullString
			if p.Type == awsid.TypeUser {
				userID = sql.NullString{String: id, Valid: true}
			}
			c, err = db.longTermCaller(ctx, tx, p.Account, userID)
			return err
		case awsid.TypeRole:
			r, err := db.getRole(ctx, tx, p.Account, p.Name)
			if err != nil || r.Path != p.Path {
				return ErrNotFound
			}
			c = roleSessionCaller(db.partition, r.Account, r.ID, r.Name, r.ARN, fixtureSession, "")
			return nil
		}
		return newErr(KindInvalidParameter, "%q is not an IAM user, role or root ARN", principalARN)
	})
	if errors.Is(err, ErrNotFound) {
		return Caller{}, newErr(KindNotFound, "principal %s does not exist", principalARN)
	}
	return c, err
}
