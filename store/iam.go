package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

// User is an IAM user.
type User struct {
	ID        string
	Account   string
	Name      string
	Path      string
	ARN       string
	CreatedAt time.Time
}

// Role is an IAM role.
type Role struct {
	ID                 string
	Account            string
	Name               string
	Path               string
	ARN                string
	TrustPolicy        string
	Description        string
	MaxSessionDuration int
	CreatedAt          time.Time
}

// AccessKey is a long-term access key of a user or of the account root.
type AccessKey struct {
	ID        string
	Secret    string
	Account   string
	UserName  string // "" for the root user
	Status    string
	CreatedAt time.Time
}

// MaxAccessKeysPerUser is IAM's quota.
const MaxAccessKeysPerUser = 2

var (
	namePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
)

// ValidatePath checks an IAM path (IAM API reference, "path" parameters).
func ValidatePath(path string) error {
	if len(path) > 512 || !pathPattern.MatchString(path) {
		return newErr(KindInvalidParameter, "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	return nil
}

// validateName checks user and role names; field is "userName" or "roleName".
func validateName(field, name string, max int) error {
	switch {
	case name == "":
		return newErr(KindInvalidParameter, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	case len(name) > max:
		return newErr(KindInvalidParameter, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", name, field, max)
	case !namePattern.MatchString(name):
		return newErr(KindInvalidParameter, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", name, field)
	}
	return nil
}

// EnsureAccount creates the account if needed and makes sure rootKeyID/rootSecret
// (when given) is an active root access key of it.
func (db *DB) EnsureAccount(ctx context.Context, account, rootKeyID, rootSecret string) error {
	if !awsid.IsAccountID(account) {
		return newErr(KindInvalidParameter, "account ID %q is not 12 digits", account)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		now := ms(db.now())
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO accounts (id, created_at) VALUES (?, ?)`, account, now); err != nil {
			return err
		}
		if rootKeyID == "" {
			return nil
		}
		var owner sql.NullString
		var acct string
		err := tx.QueryRowContext(ctx, `SELECT account_id, user_id FROM access_keys WHERE id = ?`, rootKeyID).Scan(&acct, &owner)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO access_keys (id, secret, account_id, user_id, created_at) VALUES (?, ?, ?, NULL, ?)`, rootKeyID, rootSecret, account, now)
			return err
		case err != nil:
			return err
		case acct != account || owner.Valid:
			return newErr(KindAlreadyExists, "access key %s already belongs to another principal", rootKeyID)
		}
		_, err = tx.ExecContext(ctx, `UPDATE access_keys SET secret = ?, status = 'Active' WHERE id = ?`, rootSecret, rootKeyID)
		return err
	})
}

// CreateUser creates an IAM user. Returns KindAlreadyExists if the name is taken.
func (db *DB) CreateUser(ctx context.Context, account, name, path string) (User, error) {
	if path == "" {
		path = "/"
	}
	if err := validateName("userName", name, 64); err != nil {
		return User{}, err
	}
	if err := ValidatePath(path); err != nil {
		return User{}, err
	}
	u := User{ID: db.ids.UserID(), Account: account, Name: name, Path: path, CreatedAt: db.now().Truncate(time.Second)}
	u.ARN = awsid.UserARN(db.partition, account, path, name)
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO iam_users (id, account_id, name, path, created_at) VALUES (?, ?, ?, ?, ?)`,
			u.ID, account, name, path, ms(u.CreatedAt))
		if isUniqueViolation(err) {
			return newErr(KindAlreadyExists, "User with name %s already exists.", name)
		}
		return err
	})
	return u, err
}

const userCols = `id, account_id, name, path, created_at`

func (db *DB) scanUser(row scanner) (User, error) {
	var u User
	var created int64
	if err := row.Scan(&u.ID, &u.Account, &u.Name, &u.Path, &created); err != nil {
		return User{}, err
	}
	u.CreatedAt = fromMS(created)
	u.ARN = awsid.UserARN(db.partition, u.Account, u.Path, u.Name)
	return u, nil
}

func (db *DB) getUser(ctx context.Context, tx *sql.Tx, account, name string) (User, error) {
	u, err := db.scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM iam_users WHERE account_id = ? AND name = ? COLLATE NOCASE`, account, name))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, newErr(KindNotFound, "The user with name %s cannot be found.", name)
	}
	return u, err
}

// GetUser returns a user by name (case-insensitive, as IAM). KindNotFound if absent.
func (db *DB) GetUser(ctx context.Context, account, name string) (u User, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		u, err = db.getUser(ctx, tx, account, name)
		return err
	})
	return u, err
}

// ListUsers lists users whose path starts with pathPrefix, in name order, after marker.
func (db *DB) ListUsers(ctx context.Context, account, pathPrefix, marker string, limit int) (users []User, truncated bool, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		users, err = query(ctx, tx, db.scanUser, `SELECT `+userCols+` FROM iam_users WHERE account_id = ? AND name > ? AND substr(path, 1, ?) = ? ORDER BY name LIMIT ?`,
			account, marker, len(pathPrefix), pathPrefix, limit+1)
		return err
	})
	users, truncated = more(users, limit)
	return users, truncated, err
}

// DeleteUser deletes a user. KindInUse if it still has access keys.
func (db *DB) DeleteUser(ctx context.Context, account, name string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		u, err := db.getUser(ctx, tx, account, name)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_keys WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return newErr(KindInUse, "Cannot delete entity, must delete access keys first.")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM iam_users WHERE id = ?`, u.ID)
		return err
	})
}

// CreateAccessKey creates an access key for the named user, or for the account
// root when userName is "". A fixed id/secret may be given (fixtures); empty
// means generate. KindLimitExceeded past two keys.
func (db *DB) CreateAccessKey(ctx context.Context, account, userName, id, secret string) (AccessKey, error) {
	if id == "" {
		id, secret = db.ids.AccessKeyID(), db.ids.SecretAccessKey()
	}
	k := AccessKey{ID: id, Secret: secret, Account: account, Status: "Active", CreatedAt: db.now().Truncate(time.Second)}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var userID sql.NullString
		if userName != "" {
			u, err := db.getUser(ctx, tx, account, userName)
			if err != nil {
				return err
			}
			userID = sql.NullString{String: u.ID, Valid: true}
			k.UserName = u.Name
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_keys WHERE account_id = ? AND user_id IS ?`, account, userID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxAccessKeysPerUser {
			return newErr(KindLimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", MaxAccessKeysPerUser)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO access_keys (id, secret, account_id, user_id, created_at) VALUES (?, ?, ?, ?, ?)`,
			k.ID, k.Secret, account, userID, ms(k.CreatedAt))
		if isUniqueViolation(err) {
			return newErr(KindAlreadyExists, "Access key %s already exists.", k.ID)
		}
		return err
	})
	return k, err
}

// ListAccessKeys lists the keys of a user (or of the root when userName is "").
func (db *DB) ListAccessKeys(ctx context.Context, account, userName string) (keys []AccessKey, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		var userID sql.NullString
		if userName != "" {
			u, err := db.getUser(ctx, tx, account, userName)
			if err != nil {
				return err
			}
			userID = sql.NullString{String: u.ID, Valid: true}
			userName = u.Name
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, status, created_at FROM access_keys WHERE account_id = ? AND user_id IS ? ORDER BY created_at, id`, account, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k := AccessKey{Account: account, UserName: userName}
			var created int64
			if err := rows.Scan(&k.ID, &k.Status, &created); err != nil {
				return err
			}
			k.CreatedAt = fromMS(created)
			keys = append(keys, k)
		}
		return rows.Err()
	})
	return keys, err
}

// DeleteAccessKey deletes a key of the user (or root when userName is "").
func (db *DB) DeleteAccessKey(ctx context.Context, account, userName, keyID string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var userID sql.NullString
		if userName != "" {
			u, err := db.getUser(ctx, tx, account, userName)
			if err != nil {
				return err
			}
			userID = sql.NullString{String: u.ID, Valid: true}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM access_keys WHERE id = ? AND account_id = ? AND user_id IS ?`, keyID, account, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return newErr(KindNotFound, "The Access Key with id %s cannot be found.", keyID)
		}
		return nil
	})
}

// RoleInput is what CreateRole takes.
type RoleInput struct {
	Account            string
	Name               string
	Path               string
	TrustPolicy        string
	Description        string
	MaxSessionDuration int // 0 means 3600
}

// CreateRole creates a role after validating its trust policy. KindAlreadyExists
// if the name is taken, KindMalformedPolicy for a bad trust policy.
func (db *DB) CreateRole(ctx context.Context, in RoleInput) (Role, error) {
	if in.Path == "" {
		in.Path = "/"
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = 3600
	}
	if err := validateName("roleName", in.Name, 64); err != nil {
		return Role{}, err
	}
	if err := ValidatePath(in.Path); err != nil {
		return Role{}, err
	}
	if in.MaxSessionDuration < 3600 || in.MaxSessionDuration > 43200 {
		return Role{}, newErr(KindInvalidParameter, "1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value %s", in.MaxSessionDuration,
			map[bool]string{true: "greater than or equal to 3600", false: "less than or equal to 43200"}[in.MaxSessionDuration < 3600])
	}
	r := Role{ID: db.ids.RoleID(), Account: in.Account, Name: in.Name, Path: in.Path, TrustPolicy: in.TrustPolicy,
		Description: in.Description, MaxSessionDuration: in.MaxSessionDuration, CreatedAt: db.now().Truncate(time.Second)}
	r.ARN = awsid.RoleARN(db.partition, in.Account, in.Path, in.Name)
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := db.checkTrustPolicy(ctx, tx, in.TrustPolicy); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO iam_roles (id, account_id, name, path, trust_policy, description, max_session_duration, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Account, r.Name, r.Path, r.TrustPolicy, r.Description, r.MaxSessionDuration, ms(r.CreatedAt))
		if isUniqueViolation(err) {
			return newErr(KindAlreadyExists, "Role with name %s already exists.", in.Name)
		}
		return err
	})
	return r, err
}

const roleCols = `id, account_id, name, path, trust_policy, description, max_session_duration, created_at`

func (db *DB) scanRole(row scanner) (Role, error) {
	var r Role
	var created int64
	if err := row.Scan(&r.ID, &r.Account, &r.Name, &r.Path, &r.TrustPolicy, &r.Description, &r.MaxSessionDuration, &created); err != nil {
		return Role{}, err
	}
	r.CreatedAt = fromMS(created)
	r.ARN = awsid.RoleARN(db.partition, r.Account, r.Path, r.Name)
	return r, nil
}

func (db *DB) getRole(ctx context.Context, tx *sql.Tx, account, name string) (Role, error) {
	r, err := db.scanRole(tx.QueryRowContext(ctx, `SELECT `+roleCols+` FROM iam_roles WHERE account_id = ? AND name = ? COLLATE NOCASE`, account, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Role{}, newErr(KindNotFound, "The role with name %s cannot be found.", name)
	}
	return r, err
}

// GetRole returns a role by name. KindNotFound if absent.
func (db *DB) GetRole(ctx context.Context, account, name string) (r Role, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		r, err = db.getRole(ctx, tx, account, name)
		return err
	})
	return r, err
}

// ListRoles lists roles whose path starts with pathPrefix, in name order, after marker.
func (db *DB) ListRoles(ctx context.Context, account, pathPrefix, marker string, limit int) (roles []Role, truncated bool, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		roles, err = query(ctx, tx, db.scanRole, `SELECT `+roleCols+` FROM iam_roles WHERE account_id = ? AND name > ? AND substr(path, 1, ?) = ? ORDER BY name LIMIT ?`,
			account, marker, len(pathPrefix), pathPrefix, limit+1)
		return err
	})
	roles, truncated = more(roles, limit)
	return roles, truncated, err
}

// DeleteRole deletes a role. Sessions already issued keep working until they
// expire, as on AWS; access entries bound to the role's ID stop matching a
// re-created role of the same name.
func (db *DB) DeleteRole(ctx context.Context, account, name string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := db.getRole(ctx, tx, account, name)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM iam_roles WHERE id = ?`, r.ID)
		return err
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (db *DB) UpdateAssumeRolePolicy(ctx context.Context, account, name, policy string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		r, err := db.getRole(ctx, tx, account, name)
		if err != nil {
			return err
		}
		if err := db.checkTrustPolicy(ctx, tx, policy); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE iam_roles SET trust_policy = ? WHERE id = ?`, policy, r.ID)
		return err
	})
}

// principalExists reports whether an IAM principal ARN names something that exists
// (used to validate trust policies and access-entry principals).
func (db *DB) lookupPrincipal(ctx context.Context, tx *sql.Tx, p awsid.Principal) (id string, arn string, err error) {
	switch p.Type {
	case awsid.TypeRoot:
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE id = ?`, p.Account).Scan(&n); err != nil {
			return "", "", err
		}
		if n == 0 {
			return "", "", ErrNotFound
		}
		return p.Account, p.String(), nil
	case awsid.TypeUser:
		u, err := db.getUser(ctx, tx, p.Account, p.Name)
		if err != nil || u.Path != p.Path {
			return "", "", ErrNotFound
		}
		return u.ID, u.ARN, nil
	case awsid.TypeRole:
		r, err := db.getRole(ctx, tx, p.Account, p.Name)
		if err != nil || r.Path != p.Path {
			return "", "", ErrNotFound
		}
		return r.ID, r.ARN, nil
	}
	return "", "", ErrNotFound
}
