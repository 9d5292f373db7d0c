package store

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"time"

	"github.com/eksemu/eksemu/awsid"
)

// Session is a set of temporary credentials.
type Session struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expires         time.Time
	// Caller is who the credentials authenticate as.
	Caller Caller
}

// AssumeRoleInput is an sts:AssumeRole request.
type AssumeRoleInput struct {
	RoleARN     string
	SessionName string
	// Duration is DurationSeconds; 0 means the default of one hour.
	Duration   time.Duration
	ExternalID string
}

var (
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDPattern  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
)

// Limits of STS (API reference, AssumeRole and GetSessionToken).
const (
	DefaultSessionDuration = time.Hour
	MinSessionDuration     = 15 * time.Minute
	MaxRoleChainDuration   = time.Hour
)

func stsValidation(format string, args ...any) error {
	return newErr(KindInvalidParameter, "1 validation error detected: "+format, args...)
}

// ValidateAssumeRole applies AssumeRole's model constraints (ValidationError texts).
func ValidateAssumeRole(in AssumeRoleInput) error {
	switch {
	case in.RoleARN == "":
		return stsValidation("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	case len(in.RoleARN) < 20:
		return stsValidation("Value '%s' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20", in.RoleARN)
	case len(in.RoleARN) > 2048:
		return stsValidation("Value '%s' at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 2048", in.RoleARN)
	case in.SessionName == "":
		return stsValidation("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	case len(in.SessionName) < 2:
		return stsValidation("Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2", in.SessionName)
	case len(in.SessionName) > 64:
		return stsValidation("Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64", in.SessionName)
	case !sessionNamePattern.MatchString(in.SessionName):
		return stsValidation("Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", in.SessionName)
	case in.Duration != 0 && in.Duration < MinSessionDuration:
		return stsValidation("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", int(in.Duration.Seconds()))
	case in.Duration > 12*time.Hour:
		return stsValidation("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", int(in.Duration.Seconds()))
	case in.ExternalID != "" && len(in.ExternalID) < 2:
		return stsValidation("Value '%s' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2", in.ExternalID)
	case len(in.ExternalID) > 1224:
		return stsValidation("Value '%s' at 'externalId' failed to satisfy constraint: Member must have length less than or equal to 1224", in.ExternalID)
	case !externalIDPattern.MatchString(in.ExternalID):
		return stsValidation("Value '%s' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*", in.ExternalID)
	}
	return nil
}

func notAuthorized(c Caller, action, resource string) error {
	return newErr(KindAccessDenied, "User: %s is not authorized to perform: %s on resource: %s", c.ARN, action, resource)
}

// AssumeRole evaluates the role's trust policy for caller and issues temporary
// credentials. KindAccessDenied when the role does not exist or does not trust the caller.
func (db *DB) AssumeRole(ctx context.Context, caller Caller, in AssumeRoleInput) (Session, error) {
	if err := ValidateAssumeRole(in); err != nil {
		return Session{}, err
	}
	if caller.Type == awsid.TypeRoot {
		return Session{}, newErr(KindAccessDenied, "Roles may not be assumed by root accounts.")
	}
	dur := in.Duration
	if dur == 0 {
		dur = DefaultSessionDuration
	}
	var s Session
	err := db.write(ctx, func(tx *sql.Tx) error {
		p, err := awsid.ParsePrincipal(in.RoleARN)
		if err != nil || p.Type != awsid.TypeRole {
			return notAuthorized(caller, "sts:AssumeRole", in.RoleARN)
		}
		role, err := db.getRole(ctx, tx, p.Account, p.Name)
		if errors.Is(err, ErrNotFound) || err == nil && role.Path != p.Path {
			return notAuthorized(caller, "sts:AssumeRole", in.RoleARN)
		}
		if err != nil {
			return err
		}
		policy, err := parseTrustPolicy(role.TrustPolicy)
		if err != nil || !policy.allows(trustRequest{caller: caller, externalID: in.ExternalID, session: in.SessionName}) {
			return notAuthorized(caller, "sts:AssumeRole", in.RoleARN)
		}
		if caller.Temporary && dur > MaxRoleChainDuration {
			return newErr(KindInvalidParameter, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		}
		if dur > time.Duration(role.MaxSessionDuration)*time.Second {
			return newErr(KindInvalidParameter, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		}
		now := db.now()
		s = Session{
			AccessKeyID: db.ids.TemporaryAccessKeyID(), SecretAccessKey: db.ids.SecretAccessKey(),
			SessionToken: db.ids.SessionToken(), Expires: now.Add(dur).Truncate(time.Millisecond),
		}
		s.Caller = roleSessionCaller(db.partition, role.Account, role.ID, role.Name, role.ARN, in.SessionName, s.AccessKeyID)
		_, err = tx.ExecContext(ctx, `INSERT INTO sessions (id, secret, token, account_id, kind, role_id, role_name, role_arn, session_name, chained, expires_at, created_at)
			VALUES (?, ?, ?, ?, 'assumed-role', ?, ?, ?, ?, ?, ?, ?)`,
			s.AccessKeyID, s.SecretAccessKey, s.SessionToken, role.Account, role.ID, role.Name, role.ARN, in.SessionName, caller.Temporary, ms(s.Expires), ms(now))
		return err
	})
	return s, err
}

func roleSessionCaller(partition, account, roleID, roleName, roleARN, session, keyID string) Caller {
	return Caller{
		Partition: partition, Account: account, Type: awsid.TypeAssumedRole,
		ARN:          awsid.AssumedRoleARN(partition, account, roleName, session),
		UserID:       roleID + ":" + session,
		PrincipalID:  roleID,
		PrincipalARN: roleARN,
		Name:         roleName, SessionName: session, AccessKeyID: keyID, Temporary: true,
	}
}

// GetSessionToken issues temporary credentials for an IAM user or the root.
// A duration of 0 means the default (12 h; 1 h for root).
func (db *DB) GetSessionToken(ctx context.Context, caller Caller, dur time.Duration) (Session, error) {
	if caller.Temporary {
		return Session{}, newErr(KindAccessDenied, "Cannot call GetSessionToken with session credentials")
	}
	maxDur := 36 * time.Hour
	if caller.Type == awsid.TypeRoot {
		maxDur = time.Hour
	}
	switch {
	case dur == 0:
		dur = min(12*time.Hour, maxDur)
	case dur < MinSessionDuration:
		return Session{}, stsValidation("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", int(dur.Seconds()))
	case dur > 36*time.Hour:
		return Session{}, stsValidation("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600", int(dur.Seconds()))
	case dur > maxDur:
		dur = maxDur // AWS silently caps root sessions at one hour
	}
	now := db.now()
	s := Session{
		AccessKeyID: db.ids.TemporaryAccessKeyID(), SecretAccessKey: db.ids.SecretAccessKey(),
		SessionToken: db.ids.SessionToken(), Expires: now.Add(dur).Truncate(time.Millisecond),
	}
	s.Caller = caller
	s.Caller.AccessKeyID, s.Caller.Temporary = s.AccessKeyID, true
	var userID sql.NullString
	if caller.Type == awsid.TypeUser {
		userID = sql.NullString{String: caller.PrincipalID, Valid: true}
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, secret, token, account_id, kind, user_id, expires_at, created_at)
			VALUES (?, ?, ?, ?, 'session', ?, ?, ?)`,
			s.AccessKeyID, s.SecretAccessKey, s.SessionToken, caller.Account, userID, ms(s.Expires), ms(now))
		return err
	})
	return s, err
}

// LookupAccessKey returns the secret and identity behind an access key ID:
// a long-term key of a user or root, or an STS session. KindUnknownKey when the
// key does not exist or belongs to a deleted user. Expiry is left to the caller
// (Credential.Expired), which owns the error text of its protocol.
func (db *DB) LookupAccessKey(ctx context.Context, keyID string) (c Credential, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		c, err = db.lookupAccessKey(ctx, tx, keyID)
		return err
	})
	return c, err
}

func (db *DB) lookupAccessKey(ctx context.Context, tx *sql.Tx, keyID string) (Credential, error) {
	c := Credential{AccessKeyID: keyID}
	var account, status string
	var userID sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT secret, account_id, user_id, status FROM access_keys WHERE id = ?`, keyID).Scan(&c.SecretAccessKey, &account, &userID, &status)
	if err == nil {
		if status != "Active" {
			return Credential{}, ErrUnknownKey
		}
		c.Caller, err = db.longTermCaller(ctx, tx, account, userID)
		c.Caller.AccessKeyID = keyID
		return c, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Credential{}, err
	}
	var kind string
	var roleID, roleName, roleARN, session sql.NullString
	var expires int64
	err = tx.QueryRowContext(ctx, `SELECT secret, token, account_id, kind, role_id, role_name, role_arn, session_name, user_id, expires_at FROM sessions WHERE id = ?`, keyID).
		Scan(&c.SecretAccessKey, &c.SessionToken, &account, &kind, &roleID, &roleName, &roleARN, &session, &userID, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Credential{}, ErrUnknownKey
	}
	if err != nil {
		return Credential{}, err
	}
	c.Expires = fromMS(expires)
	if kind == "assumed-role" {
		c.Caller = roleSessionCaller(db.partition, account, roleID.String, roleName.String, roleARN.String, session.String, keyID)
		return c, nil
	}
	c.Caller, err = db.longTermCaller(ctx, tx, account, userID)
	c.Caller.AccessKeyID, c.Caller.Temporary = keyID, true
	return c, err
}

func (db *DB) longTermCaller(ctx context.Context, tx *sql.Tx, account string, userID sql.NullString) (Caller, error) {
	if !userID.Valid {
		arn := awsid.RootARN(db.partition, account)
		return Caller{Partition: db.partition, Account: account, Type: awsid.TypeRoot, ARN: arn, UserID: account, PrincipalID: account, PrincipalARN: arn}, nil
	}
	u, err := db.scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM iam_users WHERE id = ?`, userID.String))
	if errors.Is(err, sql.ErrNoRows) {
		return Caller{}, ErrUnknownKey
	}
	if err != nil {
		return Caller{}, err
	}
	return Caller{Partition: db.partition, Account: account, Type: awsid.TypeUser, ARN: u.ARN, UserID: u.ID, PrincipalID: u.ID, PrincipalARN: u.ARN, Name: u.Name}, nil
}
