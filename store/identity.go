package store

import (
	"time"

	"github.com/eksemu/eksemu/awsid"
)

// Caller is an authenticated AWS principal, as STS GetCallerIdentity describes it
// plus what the emulator needs to bind it to IAM.
type Caller struct {
	Partition string
	Account   string
	// Type is TypeRoot, TypeUser or TypeAssumedRole.
	Type awsid.PrincipalType
	// ARN is GetCallerIdentity's Arn: the user ARN (with path), the root ARN, or
	// arn:P:sts::A:assumed-role/ROLE/SESSION (never a role path).
	ARN string
	// UserID is GetCallerIdentity's UserId: AIDA…, the account ID for root, or AROA…:SESSION.
	UserID string
	// PrincipalID is the IAM unique ID (AIDA…/AROA…) or the account ID for root.
	PrincipalID string
	// PrincipalARN is the IAM ARN of the principal: for a role session the role's
	// ARN with its path; otherwise the same as ARN.
	PrincipalARN string
	// Name is the user or role name ("" for root).
	Name        string
	SessionName string
	AccessKeyID string
	// Temporary is true for STS credentials.
	Temporary bool
}

// Credential is what SigV4 verification needs for an access key ID.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials and must accompany them.
	SessionToken string
	// Expires is set for temporary credentials.
	Expires time.Time
	Caller  Caller
}

// Expired reports whether c is a temporary credential past its expiry at now.
func (c Credential) Expired(now time.Time) bool {
	return !c.Expires.IsZero() && !now.Before(c.Expires)
}
